import Foundation
import TestSupport

/// A temp directory with a job file for one account of a harness server.
struct JobDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("mailferry-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: url) }

    func write(_ text: String, name: String = "jobs.toml") throws -> String {
        let path = url.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A job file with account "home" on `server` and a job "nightly" backing it up into `backup`.
    func writeBackupJob(server: DovecotServer, into backup: String, formats: [String]) throws -> String {
        try write(
            server.accountTOML(name: "home") + """

                [[jobs]]
                name = "nightly"
                backup = "home"
                into = "\(backup)"
                formats = [\(formats.map { "\"\($0)\"" }.joined(separator: ", "))]
                """)
    }
}

extension DovecotServer {
    /// An `[accounts.NAME]` table for this server.
    func accountTOML(
        name: String = "test", user: String = "alice", tls: String = "implicit", port: Int? = nil,
        passwordEnv: String = "MAILFERRY_TEST_PASSWORD", host: String = "localhost", trusted: Bool = true,
        protocol mailProtocol: String = "imap"
    ) -> String {
        let chosenPort =
            port
            ?? (mailProtocol == "pop3"
                ? (tls == "implicit" ? pop3sPort : pop3Port) : (tls == "implicit" ? imapsPort : imapPort))
        return """
            [accounts.\(name)]
            protocol = "\(mailProtocol)"
            host = "\(host)"
            port = \(chosenPort)
            tls = "\(tls)"
            user = "\(user)"
            password_env = "\(passwordEnv)"
            \(trusted ? "ca_file = \"\(caCertificatePath)\"" : "")

            """
    }
}

