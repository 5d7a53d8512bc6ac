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

    /// A job file with alice's account on `server` as "home" and a job "nightly" backing it up
    /// into `backup`; its path.
    func writeBackupJob(_ server: DovecotServer, into backup: String, name: String = "jobs.toml") throws -> String {
        try write(
            server.accountTOML(name: "home") + """

                [[jobs]]
                name = "nightly"
                backup = "home"
                into = "\(backup)"
                formats = ["maildir"]
                """, name: name)
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

extension JobDirectory {
    /// Writes a job file with the server's account `account` and a backup job `nightly` of it into
    /// `backup/` here; returns the job file's path and the backup directory.
    func writeBackupJob(_ server: DovecotServer, account: String = "home", formats: [String] = ["maildir"]) throws
        -> (path: String, backup: String)
    {
        let backup = url.appendingPathComponent("backup").path
        let path = try write(
            server.accountTOML(name: account) + """

                [[jobs]]
                name = "nightly"
                backup = "\(account)"
                into = "\(backup)"
                formats = [\(formats.map { "\"\($0)\"" }.joined(separator: ", "))]
                """)
        return (path, backup)
    }
}
