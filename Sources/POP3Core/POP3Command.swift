import NIOCore

/// A POP3 command (RFC 1939, RFC 2449 CAPA, RFC 2595 STLS, RFC 5034 AUTH).
public enum POP3Command: Hashable, Sendable {
    case capa
    case stls
    case user(String)
    case pass(String)
    /// APOP name digest, the digest from `APOPDigest`.
    case apop(user: String, digest: String)
    /// AUTH mechanism [initial-response]; an empty initial response is sent as "=".
    case auth(mechanism: String, initialResponse: String?)
    /// A line answering a SASL challenge (base64, or "*" to cancel).
    case saslResponse(String)
    case stat
    case list(Int?)
    case uidl(Int?)
    case retr(Int)
    case top(Int, lines: Int)
    case dele(Int)
    case rset
    case noop
    case quit

    /// The command's name for messages and logs: never its arguments (they may hold secrets).
    public var name: String {
        switch self {
        case .capa: "CAPA"
        case .stls: "STLS"
        case .user: "USER"
        case .pass: "PASS"
        case .apop: "APOP"
        case .auth: "AUTH"
        case .saslResponse: "AUTH response"
        case .stat: "STAT"
        case .list: "LIST"
        case .uidl: "UIDL"
        case .retr: "RETR"
        case .top: "TOP"
        case .dele: "DELE"
        case .rset: "RSET"
        case .noop: "NOOP"
        case .quit: "QUIT"
        }
    }

    /// Whether the answer is multi-line (on +OK).
    public var isMultiline: Bool {
        switch self {
        case .capa, .retr, .top: true
        case .list(let number), .uidl(let number): number == nil
        default: false
        }
    }

    /// The command line with its CRLF. Arguments holding CR, LF or NUL would smuggle a second
    /// command onto the wire: they are refused, not cleaned.
    public func encode() throws(POP3CommandError) -> ByteBuffer {
        var words: [String]
        switch self {
        case .capa: words = ["CAPA"]
        case .stls: words = ["STLS"]
        case .user(let user): words = ["USER", user]
        case .pass(let password):
            // PASS takes the rest of the line: a password may hold spaces (RFC 1939 §7).
            try Self.check(password, command: "PASS")
            return ByteBuffer(string: "PASS " + password + "\r\n")
        case .apop(let user, let digest): words = ["APOP", user, digest]
        case .auth(let mechanism, let response):
            words = ["AUTH", mechanism]
            if let response { words.append(response.isEmpty ? "=" : response) }
        case .saslResponse(let response):
            try Self.check(response, command: "AUTH")
            return ByteBuffer(string: response + "\r\n")
        case .stat: words = ["STAT"]
        case .list(let number): words = ["LIST"] + (number.map { [String($0)] } ?? [])
        case .uidl(let number): words = ["UIDL"] + (number.map { [String($0)] } ?? [])
        case .retr(let number): words = ["RETR", String(number)]
        case .top(let number, let lines): words = ["TOP", String(number), String(lines)]
        case .dele(let number): words = ["DELE", String(number)]
        case .rset: words = ["RSET"]
        case .noop: words = ["NOOP"]
        case .quit: words = ["QUIT"]
        }
        for word in words.dropFirst() {
            try Self.check(word, command: words[0])
            if word.isEmpty || word.contains(" ") { throw .invalidArgument(command: words[0]) }
        }
        return ByteBuffer(string: words.joined(separator: " ") + "\r\n")
    }

    static func check(_ argument: String, command: String) throws(POP3CommandError) {
        if argument.utf8.contains(where: { $0 == ASCII.cr || $0 == ASCII.lf || $0 == 0 }) {
            throw .invalidArgument(command: command)
        }
    }
}

/// A command that cannot be put on the wire.
public enum POP3CommandError: Error, Hashable, Sendable, CustomStringConvertible {
    /// An argument holds CR, LF or NUL, or (except PASS) a space or nothing.
    case invalidArgument(command: String)

    public var description: String {
        switch self {
        case .invalidArgument(let command):
            "cannot send \(command): an argument is empty or holds a space, line break or NUL"
        }
    }
}
