/// Why bytes from a POP3 server could not be understood. Never thrown for "need more bytes".
public enum POP3ParseError: Error, Hashable, Sendable {
    /// A line that should start with `+OK` or `-ERR` (or `+ ` in SASL) does not.
    case invalidStatus(line: String)
    /// A line of a listing (LIST, UIDL, STAT) or a number that does not follow the grammar.
    case invalid(rule: String, line: String)
    /// A line longer than allowed (status lines and listing lines; message bodies are not lines).
    case lineTooLong(actual: Int, maximum: Int)

    /// At most this much of an offending line is kept for the error: it is hostile input.
    static func excerpt(_ bytes: some Collection<UInt8>) -> String {
        let shown = bytes.prefix(80).map { byte -> Character in
            (0x20..<0x7F).contains(byte) ? Character(UnicodeScalar(byte)) : "?"
        }
        return String(shown) + (bytes.count > 80 ? "..." : "")
    }
}

extension POP3ParseError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .invalidStatus(let line): "not a POP3 status line: \"\(line)\""
        case .invalid(let rule, let line): "malformed \(rule): \"\(line)\""
        case .lineTooLong(let actual, let maximum): "a line of more than \(maximum) bytes (\(actual) so far)"
        }
    }
}
