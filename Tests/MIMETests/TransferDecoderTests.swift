import Testing

@testable import MIME

struct TransferDecoderTests {
    static func decode(_ text: String, _ encoding: TransferEncoding, chunk: Int? = nil) -> String {
        var decoder = TransferDecoder(encoding)
        var output: [UInt8] = []
        Fixtures.inChunks(Array(text.utf8), of: chunk) { decoder.decode($0, into: &output) }
        decoder.finish(into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    @Test(arguments: [
        ("Caf=C3=A9 au lait", "Café au lait"),
        ("soft=\r\nbreak", "softbreak"),
        ("soft=\nbreak with LF", "softbreak with LF"),
        ("soft=  \r\nbreak after spaces", "softbreak after spaces"),
        ("trailing   \r\nspace", "trailing\nspace"),
        ("lower =c3=a9 case", "lower é case"),
        ("bad =ZZ escape", "bad =ZZ escape"),
        ("bad =4 escape", "bad =4 escape"),
        ("ends with =", "ends with ="),
        ("ends with =4", "ends with =4"),
        ("a = b", "a = b"),
        ("tab\tinside", "tab\tinside"),
        ("line1\r\nline2\r\n", "line1\nline2\n"),
    ])
    func quotedPrintable(encoded: String, expected: String) {
        #expect(Self.decode(encoded, .quotedPrintable) == expected)
        #expect(Self.decode(encoded, .quotedPrintable, chunk: 1) == expected)
    }

    @Test(arguments: [
        ("SGVsbG8sIHdvcmxkIQ==", "Hello, world!"),
        ("SGVs\r\nbG8s\r\n IHdv cmxk\tIQ==", "Hello, world!"),
        ("SGVsbG8sIHdvcmxkIQ", "Hello, world!"),
        ("SGV*sbG8s!IHdv%cmxkIQ==!!", "Hello, world!"),
        ("SGk=SGk=", "HiHi"),
        ("SGVsbG8sIHdvcmxkI", "Hello, world"),
        ("", ""),
    ])
    func base64(encoded: String, expected: String) {
        #expect(Self.decode(encoded, .base64) == expected)
        #expect(Self.decode(encoded, .base64, chunk: 1) == expected)
        #expect(Self.decode(encoded, .base64, chunk: 3) == expected)
    }

    @Test(arguments: [
        (nil, TransferEncoding.identity), ("7bit", .identity), ("8BIT", .identity), ("binary", .identity),
        (" Quoted-Printable ", .quotedPrintable), ("BASE64", .base64), ("base64; x=y", .base64),
        ("x-uuencode", .unknown("x-uuencode")),
    ] as [(String?, TransferEncoding)])
    func encodingNames(value: String?, expected: TransferEncoding) {
        #expect(TransferEncoding(headerValue: value) == expected)
    }

    @Test func identityPassesBytesThrough() {
        #expect(TransferDecoder.decode([0, 0xFF, 0x0D, 0x0A], encoding: .identity) == [0, 0xFF, 0x0D, 0x0A])
    }
}
