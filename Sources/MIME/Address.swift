/// A mailbox from an address header: display name decoded, address as written.
public struct Address: Sendable, Hashable, Codable {
    /// The display name (or, for `addr (Name)`, the comment), RFC 2047 decoded; nil when there is none.
    public var name: String?
    /// The addr-spec, `local@domain`, without comments or whitespace; no case is changed.
    public var email: String

    public init(name: String? = nil, email: String) {
        self.name = name
        self.email = email
    }

    /// Every mailbox of an address-list header value (RFC 5322 section 3.4), group members included.
    ///
    /// Never fails: garbage between commas is skipped, and what could not be read is named in `problems`.
    public static func parseList(_ value: String) -> [Address] {
        var problems: [String] = []
        return parseList(value, problems: &problems)
    }

    public static func parseList(_ value: String, problems: inout [String]) -> [Address] {
        var parser = AddressListParser(Array(value.utf8))
        let addresses = parser.parse()
        problems.append(contentsOf: parser.problems)
        return addresses
    }
}
