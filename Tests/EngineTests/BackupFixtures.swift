import Catalog
import Engine
import Foundation
import GRDB
import IMAPClient
import IMAPCore
import Logging
import MailCore
import MailTransport
import TestSupport
import Testing

let quietLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}()

/// A harness server, a backup directory and a job that backs up alice's account into it.
final class BackupFixture {
    let server: DovecotServer
    let directory: URL
    var account: AccountConfig
    let job: JobConfig

    /// Starts the server off the concurrency pool.
    static func make(_ options: DovecotServer.Options = .init(), include: [String] = [], exclude: [String] = [])
        async throws -> BackupFixture
    {
        let server = try await DovecotServer.started(options)
        return BackupFixture(server: server, include: include, exclude: exclude)
    }

    init(server: DovecotServer, include: [String] = [], exclude: [String] = []) {
        self.server = server
        // A private parent: tests look for anything a hostile name could create beside the backup.
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("backup-\(UUID().uuidString)")
            .appendingPathComponent("backup")
        setenv("MAILFERRY_FIXTURE_PASSWORD", "alice-pass", 1)
        account = AccountConfig(
            name: "alice", mailProtocol: .imap,
            endpoint: Endpoint(
                host: "localhost", port: server.imapsPort, tls: .implicit, caFile: server.caCertificatePath,
                connectTimeoutSeconds: 5, readTimeoutSeconds: 60),
            user: "alice", secret: .environment("MAILFERRY_FIXTURE_PASSWORD"))
        job = JobConfig(
            name: "test", backup: "alice", into: directory.path, formats: ["maildir"], include: include,
            exclude: exclude)
    }

    deinit {
        // Stopping blocks for about a second: not on a concurrency thread (the exit hook catches stragglers).
        let server = self.server
        let directory = self.directory
        Thread {
            server.stop()
            try? FileManager.default.removeItem(at: directory.deletingLastPathComponent())
        }.start()
    }

    func backup(clock: (@Sendable () -> Int64)? = nil) async throws -> BackupReport {
        guard let clock else { return try await BackupJob(job: job, account: account).run(logger: quietLogger) }
        return try await BackupJob(job: job, account: account, clock: clock).run(logger: quietLogger)
    }

    func catalog() throws -> Catalog { try Catalog.existing(directory: directory.path) }

    func session<Result: Sendable>(_ body: (IMAPSession) async throws -> Result) async throws -> Result {
        try await IMAPSession.withSession(endpoint: account.endpoint, logger: quietLogger) { session in
            try await session.login(user: "alice", password: Secret("alice-pass"))
            return try await body(session)
        }
    }

    /// What the server holds, per folder (decoded name): UID → (sha256, flags without \Recent, INTERNALDATE).
    func serverState() async throws -> [String: [UInt32: ServerMessage]] {
        try await mailboxState(server, endpoint: account.endpoint, user: "alice", password: "alice-pass")
    }

    /// What the backup says is live, per folder: UID → the same facts, read from the catalog and the
    /// Maildir files (hashed from disk, so the files are checked, not only the rows).
    func backupState() throws -> [String: [UInt32: ServerMessage]] {
        let catalog = try catalog()
        let rows = try catalog.pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT f.name, p.uid, hex(m.sha256), p.flags, p.internal_date, p.maildir_path
                    FROM placements p JOIN folders f ON f.id = p.folder_id JOIN messages m ON m.id = p.message_id
                    WHERE p.gone_at IS NULL AND f.gone_at IS NULL
                    """)
        }
        var state: [String: [UInt32: ServerMessage]] = [:]
        for row in rows {
            let name: String = row[0]
            let uid: Int64 = row[1]
            let sha: String = (row[2] as String).lowercased()
            let flags: String = row[3]
            let path: String = row[5]
            let file = directory.path + "/maildir/" + path
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            #expect(SHA256Hasher.hash(bytes).hex == sha, "file \(path) does not hash to its catalog row")
            state[name, default: [:]][UInt32(uid)] = ServerMessage(
                sha256: sha, flags: Set(flags.split(separator: " ").map(String.init)), internalDate: row[4])
        }
        return state
    }

    /// Writes a job file beside the backup: `account` (the `[accounts.alice]` table) and a job
    /// "nightly" backing it up into this fixture's directory. Returns its path.
    func writeJobFile(account: String) throws -> String {
        let folder = directory.deletingLastPathComponent().appendingPathComponent("jobs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("jobs.toml").path
        let text = account + """

            [[jobs]]
            name = "nightly"
            backup = "alice"
            into = "\(directory.path)"
            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Every message file in the Maildir tree.
    func maildirFiles() -> [String] {
        let root = directory.appendingPathComponent("maildir")
        var files: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: root.path)
        while let path = enumerator?.nextObject() as? String {
            if path.contains("/cur/") || path.contains("/new/") || path.contains("/tmp/") { files.append(path) }
        }
        return files
    }
}

struct ServerMessage: Hashable, Sendable {
    var sha256: String
    var flags: Set<String>
    var internalDate: String
}

/// Realistic test mail: the corpus mailbox plus enough messages to make 500+ over 15 folders.
func loadStandardMailbox(_ server: DovecotServer, extra: Int = 480, bigAttachment: Int? = nil) throws {
    var folders = Corpus.mailbox(seed: 7)
    var generator = CorpusGenerator(seed: 99)
    for index in 0..<extra {
        let target = index % folders.count
        var message = generator.message(ofSize: 1_000 + (index * 37) % 9_000)
        message.flags = index % 5 == 0 ? ["\\Seen", "$Label\(index % 3)"] : (index % 7 == 0 ? ["\\Answered", "\\Seen"] : [])
        folders[target].messages.append(message)
    }
    if let bigAttachment {
        folders[0].messages.append(generator.withAttachment(attachmentSize: bigAttachment, flags: ["\\Flagged"]))
    }
    try server.deliver(user: "alice", mailbox: folders)
}
