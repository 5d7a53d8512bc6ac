import Foundation

/// A temp directory with a job file: account "cloud" on a scripted server's `port` (no TLS) with
/// `keys` added, and a backup job "nightly" of it into `backup/` (then `more`: further jobs).
struct ScriptedJobFile {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scripted-job-\(UUID().uuidString)")
    var jobs: String { directory.appendingPathComponent("jobs.toml").path }

    init(port: Int, keys: String, protocol mailProtocol: String = "imap", more: String = "") throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(
            """
            [accounts.cloud]
            protocol = "\(mailProtocol)"
            host = "127.0.0.1"
            port = \(port)
            tls = "none"
            user = "alice@example.com"
            \(keys)

            [[jobs]]
            name = "nightly"
            backup = "cloud"
            into = "backup"
            \(more)
            """.utf8
        ).write(to: URL(fileURLWithPath: jobs))
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}
