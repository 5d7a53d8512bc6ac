import MailTransport
import POP3Core

/// Why a POP3 conversation failed.
public enum POP3Error: Error, Sendable, Hashable {
    /// The server's greeting was -ERR (or not a status line).
    case greetingRefused(String)
    /// `tls = "starttls"` but CAPA does not list STLS: we never fall back to plain.
    case stlsNotOffered
    /// The server refused the credentials.
    case authenticationFailed(String)
    /// A SASL mechanism the server does not list.
    case mechanismNotOffered(String)
    /// Neither SASL PLAIN, USER/PASS nor APOP is possible on this server.
    case noUsableLogin
    /// A command answered -ERR.
    case commandFailed(command: String, code: String?, text: String)
    /// A multi-line answer grew past what was announced or allowed (a lying LIST size, an endless
    /// listing): the conversation is abandoned.
    case responseTooLarge(command: String, limit: Int)
    case connectionClosed
    /// An answer that makes no sense here (a SASL challenge to RETR).
    case protocolViolation(String)
    case parse(POP3ParseError)
    case invalidCommand(POP3CommandError)
    case transport(TransportError)
}

extension POP3Error: CustomStringConvertible {
    public var description: String {
        switch self {
        case .greetingRefused(let text): "the POP3 server refused the connection: \(text)"
        case .stlsNotOffered: "the server does not offer STLS (tls = \"starttls\" requires it)"
        case .authenticationFailed(let text): "authentication failed: \(text)"
        case .mechanismNotOffered(let mechanism): "the server does not offer SASL \(mechanism)"
        case .noUsableLogin: "the server offers no login method mailferry can use (SASL PLAIN, USER/PASS or APOP)"
        case .commandFailed(let command, let code, let text):
            "\(command) failed: -ERR" + (code.map { " [\($0)]" } ?? "") + (text.isEmpty ? "" : " \(text)")
        case .responseTooLarge(let command, let limit):
            "the answer to \(command) went on past \(limit) bytes (the server's sizes do not match what it sends)"
        case .connectionClosed: "the server closed the connection"
        case .protocolViolation(let text): "unexpected answer from the server: \(text)"
        case .parse(let error): "unreadable answer from the server: \(error)"
        case .invalidCommand(let error): error.description
        case .transport(let error): error.description
        }
    }
}
