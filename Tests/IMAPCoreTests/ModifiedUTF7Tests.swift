import IMAPCore
import Testing

@Suite struct ModifiedUTF7Tests {
    static let pairs: [(String, String)] = [
        ("INBOX", "INBOX"),
        ("", ""),
        ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
        ("&", "&-"),
        ("Tom & Jerry", "Tom &- Jerry"),
        ("&&", "&-&-"),
        ("Entwürfe", "Entw&APw-rfe"),
        ("Gelöschte Elemente", "Gel&APY-schte Elemente"),
        ("Черновики", "&BCcENQRABD0EPgQyBDgEOgQ4-"),
        ("😀", "&2D3eAA-"),
        ("a😀b€", "a&2D3eAA-b&IKw-"),
        ("tab\there", "tab&AAk-here"),
        ("~/[Gmail]/Sent Mail", "~/[Gmail]/Sent Mail"),
        ("é&é", "&AOk-&-&AOk-"),
    ]

    @Test func encodes() {
        for (unicode, encoded) in Self.pairs {
            #expect(ModifiedUTF7.encode(unicode) == Array(encoded.utf8), "\(unicode)")
        }
    }

    @Test func decodes() {
        for (unicode, encoded) in Self.pairs {
            #expect(ModifiedUTF7.decode(Array(encoded.utf8)) == unicode, "\(encoded)")
        }
    }

    static let invalid: [[UInt8]] = [
        Array("Entwürfe".utf8),  // 8-bit
        [0x41, 0x0A],  // control character
        Array("&".utf8),  // unterminated
        Array("a&AOk".utf8),  // unterminated run
        Array("&AOk/-".utf8),  // "/" is not modified base64
        Array("&AO=-".utf8),  // padding
        Array("&AGE-".utf8),  // "a" encoded
        Array("&ACY-".utf8),  // "&" encoded
        Array("&AOl-".utf8),  // non-zero leftover bits
        Array("&AOkA-".utf8),  // a partial unit: 6 leftover bits
        Array("&2D0-".utf8),  // lone lead surrogate
        Array("&3gA-".utf8),  // lone trail surrogate
        Array("&2D3YPQ-".utf8),  // two lead surrogates
        Array("&A-".utf8),  // too short for a unit
    ]

    @Test(arguments: invalid)
    func rejects(_ bytes: [UInt8]) {
        #expect(ModifiedUTF7.decode(bytes) == nil)
    }

    @Test func mailboxNameDecoding() {
        #expect(MailboxName(bytes: Array("&U,BTFw-".utf8)).decoded == "台北")
        #expect(MailboxName(bytes: Array("&U,BTFw".utf8)).decoded == nil)
        #expect(MailboxName("台北").bytes == Array("&U,BTFw-".utf8))
    }

    /// Random Unicode (all planes, ASCII-heavy) survives encode then decode, and encodes to
    /// printable ASCII only.
    @Test func roundTripsRandomUnicode() {
        var random = SplitMix64(seed: 0x6D75_7466_37)
        for _ in 0..<5000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int(random.next() % 12) {
                let value: UInt32
                switch random.next() % 4 {
                case 0: value = UInt32(random.next() % 0x80)
                case 1: value = UInt32(random.next() % 0x800)
                case 2: value = UInt32(random.next() % 0x10000)
                default: value = 0x10000 + UInt32(random.next() % 0x100000)
                }
                if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
            }
            let string = String(scalars)
            let encoded = ModifiedUTF7.encode(string)
            #expect(encoded.allSatisfy { $0 >= 0x20 && $0 < 0x7F })
            #expect(ModifiedUTF7.decode(encoded) == string)
        }
    }
}

/// A small seeded generator, so that random tests repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
