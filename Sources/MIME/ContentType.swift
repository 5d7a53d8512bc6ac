/// A Content-Type value (RFC 2045 section 5): `type/subtype; parameters`.
public struct ContentType: Sendable, Hashable {
    /// Lowercased, e.g. `text`.
    public var type: String
    /// Lowercased, e.g. `plain`.
    public var subtype: String
    public var parameters: MIMEParameters

    public init(type: String, subtype: String, parameters: MIMEParameters = MIMEParameters()) {
        self.type = type
        self.subtype = subtype
        self.parameters = parameters
    }

    /// Parses a header value; nil when it names no type at all. A lone `text` is read as `text/plain`.
    public init?(parsing value: String) {
        let (token, parameters) = MIMEParameters.split(value)
        let parts = token.split(separator: "/", maxSplits: 1)
        guard let first = parts.first else { return nil }
        let type = first.trimmingASCIIWhitespace().lowercased()
        // Only the subtype's first word: `text/plain charset=utf-8` lost its semicolon.
        var subtype = parts.count > 1 ? parts[1].trimmingASCIIWhitespace().lowercased() : ""
        if let space = subtype.firstIndex(where: { $0 == " " || $0 == "\t" }) { subtype = String(subtype[..<space]) }
        guard !type.isEmpty, type.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        if subtype.isEmpty {
            guard type == "text" else { return nil }
            subtype = "plain"
        }
        self.init(type: type, subtype: subtype, parameters: parameters)
    }

    /// RFC 2045 section 5.2: what a part without a (readable) Content-Type is.
    public static let defaultText = ContentType(type: "text", subtype: "plain")
    /// RFC 2046 section 5.1.5: the default inside multipart/digest.
    public static let defaultDigestPart = ContentType(type: "message", subtype: "rfc822")

    /// `type/subtype`.
    public var mimeType: String { type + "/" + subtype }
    public var charset: String? { parameters["charset"] }
    public var boundary: String? { parameters["boundary"] }
    /// The old `name` parameter, which many mailers still use for a filename.
    public var name: String? { parameters["name"] }
}

/// A Content-Disposition value (RFC 2183): `inline` or `attachment`, and a filename.
public struct ContentDisposition: Sendable, Hashable {
    /// Lowercased, e.g. `attachment`; an unknown value is kept (RFC 2183 says treat it as attachment).
    public var kind: String
    public var parameters: MIMEParameters

    public init(kind: String, parameters: MIMEParameters = MIMEParameters()) {
        self.kind = kind
        self.parameters = parameters
    }

    public init(parsing value: String) {
        let (token, parameters) = MIMEParameters.split(value)
        self.init(kind: token.trimmingASCIIWhitespace().lowercased(), parameters: parameters)
    }

    public var isInline: Bool { kind == "inline" }
    public var isAttachment: Bool { !kind.isEmpty && kind != "inline" }
    public var filename: String? { parameters["filename"] }
}
