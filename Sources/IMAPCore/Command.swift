import NIOCore

/// A STATUS data item (RFC 9051 §6.3.11).
public enum StatusItem: String, Hashable, Sendable {
    case messages = "MESSAGES"
    case uidNext = "UIDNEXT"
    case uidValidity = "UIDVALIDITY"
    case unseen = "UNSEEN"
    case size = "SIZE"
    case highestModSeq = "HIGHESTMODSEQ"
    case recent = "RECENT"
    /// The largest message the mailbox takes (RFC 7889 §4); only when the server offers bare `APPENDLIMIT`.
    case appendLimit = "APPENDLIMIT"
}

/// A FETCH data item to ask for (RFC 9051 §6.4.5).
public enum FetchItem: Hashable, Sendable {
    case uid
    case flags
    case internalDate
    case rfc822Size
    case modSeq
    /// `BODY.PEEK[section]<origin.count>`: never sets \Seen.
    case bodyPeek(section: String, partial: ClosedRange<UInt32>?)
    /// Anything else, written verbatim (`X-GM-LABELS`, `BODYSTRUCTURE`).
    case raw(String)
}

/// What to put in the `RETURN (...)` of an extended LIST (RFC 5258, RFC 6154, RFC 5819).
public struct ListReturnOptions: Hashable, Sendable {
    public var specialUse: Bool
    public var status: [StatusItem]
    public var subscribed: Bool
    public var children: Bool
    public init(specialUse: Bool = false, status: [StatusItem] = [], subscribed: Bool = false, children: Bool = false) {
        self.specialUse = specialUse
        self.status = status
        self.subscribed = subscribed
        self.children = children
    }
    public var isEmpty: Bool { !specialUse && status.isEmpty && !subscribed && !children }
}

/// A client command (RFC 9051 §6 and the extensions mailferry uses).
public enum Command: Hashable, Sendable {
    case capability
    case noop
    case logout
    case starttls
    case login(user: String, password: String)
    /// AUTHENTICATE with SASL-IR when `initialResponse` is given (base64 text, `=` for empty).
    case authenticate(mechanism: String, initialResponse: String?)
    case id([(String, String)])
    case enable([String])
    case namespace
    case list(reference: MailboxName, pattern: MailboxName, returning: ListReturnOptions)
    case status(MailboxName, [StatusItem])
    /// EXAMINE or SELECT with `(CONDSTORE)` when asked.
    case examine(MailboxName, condstore: Bool)
    case select(MailboxName, condstore: Bool)
    case create(MailboxName)
    case delete(MailboxName)
    case subscribe(MailboxName)
    /// `UID SEARCH` with criteria written verbatim (`ALL`, `UID 100:*`, `MODSEQ 42`).
    case uidSearch(String)
    /// `UID FETCH set (items) [(CHANGEDSINCE n)]`.
    case uidFetch(SequenceSet, [FetchItem], changedSince: UInt64?)
    /// `UID STORE set +FLAGS.SILENT (flags)` and friends: `operation` is `+FLAGS.SILENT` etc.
    case uidStore(SequenceSet, operation: String, flags: [Flag])
    case expunge
    case close
    case unselect
    case idle
    /// `APPEND mailbox (flags) "date" {size}`: the message itself follows as a literal the client
    /// streams after the prefix (and after the continuation, unless `literalPlus`).
    case append(MailboxName, flags: [Flag], date: InternalDate?, size: Int)

    public static func == (lhs: Command, rhs: Command) -> Bool { "\(lhs)" == "\(rhs)" }
    public func hash(into hasher: inout Hasher) { hasher.combine("\(self)") }
}

/// One piece of an encoded command: bytes to send, or a point where the client must wait for a
/// `+` continuation before sending the rest (a synchronizing literal, RFC 9051 §4.3).
public enum CommandPart: Sendable {
    case bytes(ByteBuffer)
    case awaitContinuation
}

/// Writes commands in wire form.
public struct CommandEncoder: Sendable {
    /// Non-synchronizing literals `{n+}` (RFC 7888) when the server offers LITERAL+ (or LITERAL-
    /// for literals up to 4096 bytes).
    public var literalPlus: Bool
    public var literalMinus: Bool
    /// Whether UTF8=ACCEPT is enabled: 8-bit strings may then go quoted or as literals unencoded.
    public var utf8Accept: Bool

    public init(literalPlus: Bool = false, literalMinus: Bool = false, utf8Accept: Bool = false) {
        self.literalPlus = literalPlus
        self.literalMinus = literalMinus
        self.utf8Accept = utf8Accept
    }

    /// The command with its tag and CRLF, split where continuations are needed. Strings go as atoms
    /// where allowed, quoted where possible, and as literals when they hold CR, LF, NUL or 8-bit.
    /// For `.append` the parts end right after the `{size}` line (and its continuation wait, when
    /// synchronizing): the caller sends the message bytes and then `CRLF`.
    public func encode(_ command: Command, tag: Tag) -> [CommandPart] {
        var writer = CommandWriter(encoder: self)
        return writer.encode(command, tag: tag)
    }

    /// The next message of a MULTIAPPEND (RFC 3502): ` [flag-list] [date-time] {size}` after the previous
    /// message's bytes, split like `.append`; the caller sends the bytes, and `CRLF` after the last message.
    public func encodeAppendMessage(flags: [Flag], date: InternalDate?, size: Int) -> [CommandPart] {
        var writer = CommandWriter(encoder: self)
        return writer.appendMessage(flags: flags, date: date, size: size)
    }

    /// `DONE\r\n`, which ends IDLE.
    public static let idleDone = ByteBuffer(string: "DONE\r\n")
}
