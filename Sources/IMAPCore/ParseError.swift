/// Why bytes from the server could not be understood. Never thrown for "need more bytes".
public enum ParseError: Error, Hashable, Sendable {
    /// The bytes do not follow the grammar: the rule that failed, and the offending line (truncated).
    case invalid(rule: String, line: String)
    /// A line (outside literals) longer than allowed.
    case lineTooLong(actual: Int, maximum: Int)
    /// A literal longer than allowed where it is not a message body (a mailbox name, a flag ...).
    case literalTooLarge(actual: Int, maximum: Int)
    /// Structures nested deeper than allowed (BODYSTRUCTURE, parenthesised lists).
    case tooDeep(maximum: Int)
}
