/// Modified UTF-7 for mailbox names (RFC 3501 §5.1.3).
public enum ModifiedUTF7 {
    /// Modified BASE64 of RFC 2152, with "," in place of "/".
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,".utf8)
    static let ampersand = UInt8(ascii: "&")
    static let minus = UInt8(ascii: "-")

    static let alphabetValues: [UInt8] = {
        var values = [UInt8](repeating: 0xFF, count: 256)
        for (value, byte) in alphabet.enumerated() { values[Int(byte)] = UInt8(value) }
        return values
    }()

    /// Printable US-ASCII, which represents itself (except `&`).
    @inline(__always) static func isDirect(_ unit: UInt32) -> Bool { unit >= 0x20 && unit <= 0x7E }

    /// Encodes a Unicode name: printable ASCII stays, `&` becomes `&-`, the rest `&base64-`.
    public static func encode(_ string: String) -> [UInt8] {
        var result: [UInt8] = []
        var pending: [UInt16] = []
        func flush() {
            guard !pending.isEmpty else { return }
            result.append(ampersand)
            var bits: UInt32 = 0
            var count = 0
            for unit in pending {
                bits = bits << 16 | UInt32(unit)
                count += 16
                while count >= 6 {
                    count -= 6
                    result.append(alphabet[Int(bits >> UInt32(count) & 0x3F)])
                }
                bits &= (1 << UInt32(count)) - 1
            }
            if count > 0 { result.append(alphabet[Int(bits << UInt32(6 - count) & 0x3F)]) }
            result.append(minus)
            pending.removeAll()
        }
        for scalar in string.unicodeScalars {
            if isDirect(scalar.value) {
                flush()
                result.append(UInt8(scalar.value))
                if scalar.value == UInt32(ampersand) { result.append(minus) }
            } else {
                pending.append(contentsOf: scalar.utf16)
            }
        }
        flush()
        return result
    }

    /// Decodes, or returns nil for bytes that are not valid modified UTF-7 (8-bit bytes, a bad
    /// base64 run, an unterminated `&`, an encoded printable ASCII character, odd bit counts).
    public static func decode(_ bytes: [UInt8]) -> String? {
        var scalars = String.UnicodeScalarView()
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            i += 1
            guard isDirect(UInt32(byte)) else { return nil }
            guard byte == ampersand else {
                scalars.append(Unicode.Scalar(byte))
                continue
            }
            guard let end = bytes[i...].firstIndex(of: minus) else { return nil }
            if end == i {
                scalars.append("&")
            } else {
                guard let units = decodeBase64(bytes[i..<end]), appendUTF16(units, to: &scalars) else { return nil }
            }
            i = end + 1
        }
        return String(scalars)
    }

    /// The UTF-16 units of one `&...-` run, or nil when it is not modified BASE64 with zero padding.
    static func decodeBase64(_ run: ArraySlice<UInt8>) -> [UInt16]? {
        var units: [UInt16] = []
        var bits: UInt32 = 0
        var count = 0
        for byte in run {
            let value = alphabetValues[Int(byte)]
            guard value != 0xFF else { return nil }
            bits = bits << 6 | UInt32(value)
            count += 6
            if count >= 16 {
                count -= 16
                units.append(UInt16(truncatingIfNeeded: bits >> UInt32(count)))
                bits &= (1 << UInt32(count)) - 1
            }
        }
        // Leftover bits only pad the last unit: fewer than six, all zero.
        guard count < 6, bits == 0 else { return nil }
        return units
    }

    /// Appends UTF-16 units as scalars; false for unpaired surrogates and for characters that had to
    /// be written directly.
    static func appendUTF16(_ units: [UInt16], to scalars: inout String.UnicodeScalarView) -> Bool {
        var i = 0
        while i < units.count {
            let unit = units[i]
            i += 1
            let value: UInt32
            if UTF16.isLeadSurrogate(unit) {
                guard i < units.count, UTF16.isTrailSurrogate(units[i]) else { return false }
                value = 0x10000 + (UInt32(unit - 0xD800) << 10 | UInt32(units[i] - 0xDC00))
                i += 1
            } else {
                value = UInt32(unit)
            }
            guard !isDirect(value), let scalar = Unicode.Scalar(value) else { return false }
            scalars.append(scalar)
        }
        return true
    }
}
