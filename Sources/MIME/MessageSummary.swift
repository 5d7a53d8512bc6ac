/// What the backup catalog indexes from one message.
public struct MessageSummary: Sendable, Hashable, Codable {
    /// The Message-ID without `<>` and whitespace; nil when absent or empty.
    public var messageID: String?
    /// Seconds since 1970 UTC from the Date: header; nil when absent or unreadable.
    public var date: Int64?
    /// The Date: header value, unfolded and trimmed, as written.
    public var dateHeader: String?
    public var from: [Address]
    public var to: [Address]
    public var cc: [Address]
    /// The address inside the Return-Path header's angle brackets (RFC 5321 section 4.4): the
    /// envelope sender; empty for the null path `<>`, nil when there is no Return-Path.
    public var returnPath: String?
    /// The Subject, unfolded and RFC 2047 decoded.
    public var subject: String?
    /// A part with Content-Disposition attachment, a non-text leaf with a filename, an application/* leaf that is not a
    /// signature, or an attached message (message/rfc822 inside a multipart).
    public var hasAttachments: Bool
    /// The text of the text/plain and text/html parts (HTML reduced to text), UTF-8, at most the limit's bytes.
    /// In multipart/alternative only the first alternative that has text counts: the others repeat it.
    public var bodyText: String
    /// The text limit cut `bodyText` short.
    public var bodyTextTruncated: Bool
    /// What was malformed or exceeded a limit, for the run's report; never fatal.
    public var problems: [String]

    public init(
        messageID: String? = nil, date: Int64? = nil, dateHeader: String? = nil, from: [Address] = [],
        to: [Address] = [], cc: [Address] = [], returnPath: String? = nil, subject: String? = nil, hasAttachments: Bool = false,
        bodyText: String = "", bodyTextTruncated: Bool = false, problems: [String] = []
    ) {
        self.messageID = messageID
        self.date = date
        self.dateHeader = dateHeader
        self.from = from
        self.to = to
        self.cc = cc
        self.returnPath = returnPath
        self.subject = subject
        self.hasAttachments = hasAttachments
        self.bodyText = bodyText
        self.bodyTextTruncated = bodyTextTruncated
        self.problems = problems
    }

    /// The identifier inside the first `<...>` of a Message-ID value, or its first word when there are no brackets.
    public static func messageID(fromHeader value: String) -> String? {
        var text = Substring(value)
        if let open = text.firstIndex(of: "<") {
            let inner = text[text.index(after: open)...]
            text = inner[..<(inner.firstIndex(of: ">") ?? inner.endIndex)]
        } else {
            text = text.trimmingASCIIWhitespace()
            text = text[..<(text.firstIndex { $0 == " " || $0 == "\t" } ?? text.endIndex)]
        }
        // Bytes, not Characters: grapheme breaking is the slow part of a filter over a String.
        let id = String(decoding: text.utf8.filter { $0 != 0x20 && $0 != 0x09 }, as: UTF8.self)
        return id.isEmpty ? nil : id
    }
}
