import IMAPCore
import MailTransport

/// Why an IMAP conversation failed.
public enum IMAPError: Error, Sendable, Hashable {
    /// The server's greeting was BYE (or not a greeting at all).
    case greetingRefused(String)
    /// `tls = "starttls"` but the server does not offer STARTTLS: we never fall back to plain.
    case starttlsNotOffered
    /// The server refused the credentials (tagged NO on LOGIN / AUTHENTICATE).
    case authenticationFailed(String)
    /// The server forbids LOGIN here (LOGINDISABLED) and offers no usable SASL mechanism.
    case loginDisabled
    case mechanismNotOffered(String)
    /// A command ended in NO or BAD.
    case commandFailed(command: String, status: ResponseStatus, text: ResponseText)
    /// The server said BYE and closed the connection.
    case bye(String)
    case connectionClosed
    /// The server's responses made no sense for the conversation (an unknown tag, an unasked `+`).
    case protocolViolation(String)
    case parse(ParseError)
    case transport(TransportError)
}

extension IMAPError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .greetingRefused(let text): "the server refused the connection: \(text)"
        case .starttlsNotOffered: "the server does not offer STARTTLS (tls = \"starttls\" requires it)"
        case .authenticationFailed(let text): "authentication failed: \(text)"
        case .loginDisabled: "the server does not allow LOGIN on this connection and offers no usable mechanism"
        case .mechanismNotOffered(let mechanism): "the server does not offer AUTH=\(mechanism)"
        case .commandFailed(let command, let status, let text):
            "\(command) failed: \(status.rawValue) \(text)"
        case .bye(let text): "the server closed the connection: \(text)"
        case .connectionClosed: "the server closed the connection"
        case .protocolViolation(let text): "unexpected response from the server: \(text)"
        case .parse(let error): "unreadable response from the server: \(error)"
        case .transport(let error): error.description
        }
    }
}
