import NIOCore

/// Status of a tagged or untagged condition response (RFC 9051 §7.1).
public enum ResponseStatus: String, Hashable, Sendable {
    case ok = "OK"
    case no = "NO"
    case bad = "BAD"
    case preauth = "PREAUTH"
    case bye = "BYE"
}

/// A response code in brackets (RFC 9051 §7.1, RFC 5530 and extensions).
public enum ResponseCode: Hashable, Sendable {
    case alert
    case parse
    case readOnly
    case readWrite
    case tryCreate
    case uidNext(UInt32)
    case uidValidity(UInt32)
    case unseen(UInt32)
    case permanentFlags([Flag])
    case capability([String])
    case highestModSeq(UInt64)
    case noModSeq
    case appendUID(uidValidity: UInt32, uids: SequenceSet)
    case copyUID(uidValidity: UInt32, source: SequenceSet, destination: SequenceSet)
    case closed
    /// RFC 5530 codes and others without arguments we act on: AUTHENTICATIONFAILED, UNAVAILABLE,
    /// OVERQUOTA, ALREADYEXISTS, NONEXISTENT, LIMIT, EXPIRED, INUSE, THROTTLED, SERVERBUG, ...
    /// kept uppercased.
    case other(name: String, argument: String?)
}

/// The human-readable tail of a condition response, with its optional code.
public struct ResponseText: Hashable, Sendable {
    public var code: ResponseCode?
    public var text: String
    public init(code: ResponseCode?, text: String) {
        self.code = code
        self.text = text
    }
}

/// The completion of a command: `A1 OK [READ-WRITE] SELECT completed`.
public struct TaggedResponse: Hashable, Sendable {
    public var tag: Tag
    public var status: ResponseStatus
    public var text: ResponseText
    public init(tag: Tag, status: ResponseStatus, text: ResponseText) {
        self.tag = tag
        self.status = status
        self.text = text
    }
}

/// One LIST (or LSUB) response (RFC 9051 §7.3.1, RFC 6154 special-use, RFC 5258 extended data).
public struct ListResponse: Hashable, Sendable {
    /// Attributes as sent, with their backslash: `\HasChildren`, `\Noselect`, `\Sent`.
    public var attributes: [String]
    /// The hierarchy delimiter, nil for a flat namespace (NIL on the wire).
    public var delimiter: UInt8?
    public var mailbox: MailboxName
    /// Extended data items, raw (`CHILDINFO`, `OLDNAME`), keyed uppercased.
    public var extended: [String: String]
    public init(attributes: [String], delimiter: UInt8?, mailbox: MailboxName, extended: [String: String] = [:]) {
        self.attributes = attributes
        self.delimiter = delimiter
        self.mailbox = mailbox
        self.extended = extended
    }
    public func has(_ attribute: String) -> Bool {
        attributes.contains { $0.caseInsensitiveCompare(attribute) }
    }
}

extension String {
    fileprivate func caseInsensitiveCompare(_ other: String) -> Bool { lowercased() == other.lowercased() }
}

/// One personal, other-users or shared namespace (RFC 2342).
public struct Namespace: Hashable, Sendable {
    public var prefix: MailboxName
    public var delimiter: UInt8?
    public init(prefix: MailboxName, delimiter: UInt8?) {
        self.prefix = prefix
        self.delimiter = delimiter
    }
}

/// The NAMESPACE response (RFC 2342): each list empty when the server sent NIL.
public struct NamespaceResponse: Hashable, Sendable {
    public var personal: [Namespace]
    public var otherUsers: [Namespace]
    public var shared: [Namespace]
    public init(personal: [Namespace], otherUsers: [Namespace], shared: [Namespace]) {
        self.personal = personal
        self.otherUsers = otherUsers
        self.shared = shared
    }
}

/// A response that is not part of a FETCH and not a command completion.
public enum UntaggedResponse: Hashable, Sendable {
    /// `* OK`, `* NO`, `* BAD`, `* BYE`, `* PREAUTH` (also the greeting).
    case condition(ResponseStatus, ResponseText)
    case capability([String])
    case enabled([String])
    case list(ListResponse)
    case lsub(ListResponse)
    /// STATUS: attribute names uppercased (`MESSAGES`, `UIDNEXT`, `UIDVALIDITY`, `UNSEEN`, `SIZE`,
    /// `HIGHESTMODSEQ`, `RECENT`, `DELETED`) to values.
    case status(MailboxName, [String: UInt64])
    case exists(UInt32)
    case recent(UInt32)
    case expunge(UInt32)
    case flags([Flag])
    /// SEARCH (RFC 9051 §7.2.6 / RFC 3501), with the CONDSTORE `(MODSEQ n)` when present.
    case search([UInt32], modSeq: UInt64?)
    /// ESEARCH (RFC 4731): the raw return data is kept; `all` is decoded when present.
    case esearch(tag: Tag?, uid: Bool, all: SequenceSet?, count: UInt32?, min: UInt32?, max: UInt32?)
    case namespace(NamespaceResponse)
    /// ID (RFC 2971): nil when the server sent NIL.
    case id([String: String?]?)
    /// VANISHED (RFC 7162 QRESYNC).
    case vanished(earlier: Bool, SequenceSet)
    /// Anything else the server sends: its keyword uppercased and the whole line as text.
    case unknown(keyword: String, line: String)
}

/// A non-body FETCH data item (RFC 9051 §7.5.2).
public enum FetchAttribute: Hashable, Sendable {
    case uid(UInt32)
    case flags([Flag])
    case internalDate(InternalDate)
    case rfc822Size(UInt64)
    case modSeq(UInt64)
    /// `X-GM-MSGID`, `X-GM-LABELS`, `EMAILID`, BODYSTRUCTURE, ENVELOPE ...: the item name uppercased
    /// and its value as raw text.
    case other(name: String, value: String)
}

/// One step of the response stream.
///
/// A FETCH response arrives as `fetchStart`, any number of `fetchAttribute` and body sections
/// (`fetchBodyStart`, zero or more `fetchBodyChunk`, `fetchBodyEnd`), then `fetchEnd`: a body is
/// never held whole, whatever its size. Chunks are at most `ResponseParser.Limits.bodyChunk` bytes.
public enum ResponseEvent: Hashable, Sendable {
    case untagged(UntaggedResponse)
    case tagged(TaggedResponse)
    /// `+ text`: the raw text after `+ ` (base64 for SASL challenges, free text otherwise).
    case continuation(String)
    case fetchStart(sequence: UInt32)
    case fetchAttribute(FetchAttribute)
    /// A body section: `BODY[]`, `BODY[HEADER]`, `RFC822`, `BINARY[]`... `section` is the text inside
    /// the brackets (empty for `BODY[]`, and for `RFC822`), `origin` the partial offset `<n>`, `size`
    /// the literal length, or nil for a NIL body.
    case fetchBodyStart(section: String, origin: UInt32?, size: Int?)
    case fetchBodyChunk(ByteBuffer)
    case fetchBodyEnd
    case fetchEnd
}

extension ResponseCode: CustomStringConvertible {
    /// The code as the server wrote it, for messages: `SERVERBUG`, `UIDVALIDITY 42`.
    public var description: String {
        switch self {
        case .alert: "ALERT"
        case .parse: "PARSE"
        case .readOnly: "READ-ONLY"
        case .readWrite: "READ-WRITE"
        case .tryCreate: "TRYCREATE"
        case .uidNext(let value): "UIDNEXT \(value)"
        case .uidValidity(let value): "UIDVALIDITY \(value)"
        case .unseen(let value): "UNSEEN \(value)"
        case .permanentFlags(let flags): "PERMANENTFLAGS (\(flags.map(\.name).joined(separator: " ")))"
        case .capability(let names): "CAPABILITY \(names.joined(separator: " "))"
        case .highestModSeq(let value): "HIGHESTMODSEQ \(value)"
        case .noModSeq: "NOMODSEQ"
        case .appendUID(let validity, let uids): "APPENDUID \(validity) \(uids)"
        case .copyUID(let validity, let source, let destination): "COPYUID \(validity) \(source) \(destination)"
        case .closed: "CLOSED"
        case .other(let name, let argument): argument.map { "\(name) \($0)" } ?? name
        }
    }
}

extension ResponseText: CustomStringConvertible {
    /// `[CODE] text`, as a server wrote it.
    public var description: String {
        guard let code else { return text }
        return "[\(code)] \(text)"
    }
}
