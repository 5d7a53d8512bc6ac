import Foundation

/// The APOP digest (RFC 1939 §7): MD5 of the greeting's timestamp followed by the shared secret,
/// as 32 lowercase hex digits.
///
/// MD5 is here only because APOP needs it; it is broken for everything else.
public enum APOPDigest {
    public static func digest(timestamp: String, secret: String) -> String {
        MD5.hash(Array((timestamp + secret).utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The `<...>` timestamp of a greeting's text, if it has one (it must hold an "@").
    public static func timestamp(inGreeting text: String) -> String? {
        guard let open = text.firstIndex(of: "<"), let close = text[open...].firstIndex(of: ">") else { return nil }
        let stamp = String(text[open...close])
        return stamp.contains("@") ? stamp : nil
    }
}

/// MD5 (RFC 1321), for APOP only.
enum MD5 {
    static let shifts: [UInt32] = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21]
    /// K[i] = floor(|sin(i + 1)| * 2^32), RFC 1321 §3.4.
    static let constants: [UInt32] = (0..<64).map { UInt32(floor(abs(sin(Double($0 + 1))) * 4_294_967_296)) }

    static func hash(_ message: [UInt8]) -> [UInt8] {
        var bytes = message
        let bitLength = UInt64(message.count) &* 8
        bytes.append(0x80)
        while bytes.count % 64 != 56 { bytes.append(0) }
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        var a0: UInt32 = 0x6745_2301
        var b0: UInt32 = 0xEFCD_AB89
        var c0: UInt32 = 0x98BA_DCFE
        var d0: UInt32 = 0x1032_5476
        for block in stride(from: 0, to: bytes.count, by: 64) {
            var words = [UInt32](repeating: 0, count: 16)
            for index in 0..<16 {
                let base = block + index * 4
                words[index] =
                    UInt32(bytes[base]) | UInt32(bytes[base + 1]) << 8 | UInt32(bytes[base + 2]) << 16
                    | UInt32(bytes[base + 3]) << 24
            }
            var a = a0, b = b0, c = c0, d = d0
            for round in 0..<64 {
                var f: UInt32
                let g: Int
                switch round / 16 {
                case 0:
                    f = (b & c) | (~b & d)
                    g = round
                case 1:
                    f = (d & b) | (~d & c)
                    g = (5 * round + 1) % 16
                case 2:
                    f = b ^ c ^ d
                    g = (3 * round + 5) % 16
                default:
                    f = c ^ (b | ~d)
                    g = (7 * round) % 16
                }
                f = f &+ a &+ constants[round] &+ words[g]
                a = d
                d = c
                c = b
                let shift = shifts[(round / 16) * 4 + round % 4]
                b = b &+ (f << shift | f >> (32 - shift))
            }
            a0 = a0 &+ a
            b0 = b0 &+ b
            c0 = c0 &+ c
            d0 = d0 &+ d
        }
        return [a0, b0, c0, d0].flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> ($0 * 8)) } }
    }
}
