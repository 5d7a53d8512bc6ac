import Foundation

/// A private Dovecot (IMAP, IMAPS, POP3, POP3S) on loopback, in a temp directory, on free ports.
///
/// Started by tests and by `script/demo` / `script/bench` (through the `dovecot-fixture`
/// executable); stopped by `stop()` or when the process exits.
public final class DovecotServer: @unchecked Sendable {
    public struct User: Sendable, Hashable {
        public var name: String
        public var password: String
        public init(_ name: String, _ password: String) {
            self.name = name
            self.password = password
        }
    }

    public enum Layout: Sendable {
        /// `/` as hierarchy delimiter, no namespace prefix (like Gmail, Fastmail, Microsoft 365).
        case slash
        /// `.` as hierarchy delimiter with an `INBOX.` personal namespace prefix (like Courier, Cyrus).
        case dotWithInboxPrefix
    }

    public struct Options: Sendable {
        /// Offer STARTTLS on the plain IMAP and POP3 ports.
        public var starttls: Bool = true
        public var layout: Layout = .slash
        public var users: [User] = [User("alice", "alice-pass"), User("bob", "bob-pass")]
        public init() {}
    }

    public let host = "127.0.0.1"
    public let imapPort: Int
    public let imapsPort: Int
    public let pop3Port: Int
    public let pop3sPort: Int
    /// PEM certificate of the per-run self-signed CA that signed the server certificate (for
    /// `ca_file`). The server certificate names `localhost` and `127.0.0.1`.
    public let caCertificatePath: String
    public let options: Options
    /// The temp directory holding configuration, mail and logs.
    public let directory: URL

    init(imapPort: Int, imapsPort: Int, pop3Port: Int, pop3sPort: Int, caCertificatePath: String, options: Options, directory: URL) {
        self.imapPort = imapPort
        self.imapsPort = imapsPort
        self.pop3Port = pop3Port
        self.pop3sPort = pop3sPort
        self.caCertificatePath = caCertificatePath
        self.options = options
        self.directory = directory
    }

    public static func start(_ options: Options = Options()) throws -> DovecotServer {
        fatalError("unimplemented")
    }

    public func stop() {
        fatalError("unimplemented")
    }
}
