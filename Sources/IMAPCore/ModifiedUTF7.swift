/// Modified UTF-7 for mailbox names (RFC 3501 §5.1.3).
public enum ModifiedUTF7 {
    /// Encodes a Unicode name: printable ASCII stays, `&` becomes `&-`, the rest `&base64-`.
    public static func encode(_ string: String) -> [UInt8] {
        fatalError("unimplemented")
    }

    /// Decodes, or returns nil for bytes that are not valid modified UTF-7 (8-bit bytes, a bad
    /// base64 run, an unterminated `&`, an encoded printable ASCII character, odd bit counts).
    public static func decode(_ bytes: [UInt8]) -> String? {
        fatalError("unimplemented")
    }
}
