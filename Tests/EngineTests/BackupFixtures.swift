import Archives
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
    var job: JobConfig

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
        try liveState { row in
            let path = try #require(row["maildir_path"] as String?, "UID \(row["uid"] as Int64) has no Maildir file")
            return Array(try Data(contentsOf: URL(fileURLWithPath: directory.path + "/maildir/" + path)))
        }
    }

    /// Live placements per folder, each message's bytes read by `bytes` (from the row's archive
    /// locations) and checked against the row's hash.
    func liveState(_ bytes: (Row) throws -> [UInt8]) throws -> [String: [UInt32: ServerMessage]] {
        let rows = try catalog().pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT f.name, p.uid, hex(m.sha256) AS sha, p.flags, p.internal_date, p.maildir_path, p.mbox_path,
                        p.mbox_offset, p.mbox_length, m.size
                    FROM placements p JOIN folders f ON f.id = p.folder_id JOIN messages m ON m.id = p.message_id
                    WHERE p.gone_at IS NULL AND f.gone_at IS NULL
                    """)
        }
        var state: [String: [UInt32: ServerMessage]] = [:]
        for row in rows {
            let name: String = row["name"]
            let uid: Int64 = row["uid"]
            let sha = (row["sha"] as String).lowercased()
            #expect(SHA256Hasher.hash(try bytes(row)).hex == sha, "UID \(uid) in \(name): the archive does not hold its bytes")
            state[name, default: [:]][UInt32(uid)] = ServerMessage(
                sha256: sha, flags: Set((row["flags"] as String).split(separator: " ").map(String.init)),
                internalDate: row["internal_date"])
        }
        return state
    }

    /// The `[accounts.alice]` table for this server's IMAPS port, the password in `passwordEnv`.
    func accountTable(passwordEnv: String) -> String {
        """
        [accounts.alice]
        host = "localhost"
        port = \(server.imapsPort)
        tls = "implicit"
        user = "alice"
        password_env = "\(passwordEnv)"
        ca_file = "\(server.caCertificatePath)"

        """
    }

    /// A job file with one account and one backup job whose last line is `line` (line 10): for
    /// checking what a job key's bad value says.
    static func jobFileText(jobLine line: String) -> String {
        """
        [accounts.a]
        host = "imap.example.org"
        user = "a"
        password_env = "X"

        [[jobs]]
        name = "n"
        backup = "a"
        into = "/tmp/x"
        \(line)
        """
    }

    /// Writes a job file beside the backup: `account` (the `[accounts.alice]` table) and a job
    /// "nightly" backing it up into this fixture's directory. Returns its path.
    func writeJobFile(account: String, formats: [String] = ["maildir"]) throws -> String {
        let folder = directory.deletingLastPathComponent().appendingPathComponent("jobs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("jobs.toml").path
        let text = account + """

            [[jobs]]
            name = "nightly"
            backup = "alice"
            into = "\(directory.path)"
            formats = [\(formats.map { "\"\($0)\"" }.joined(separator: ", "))]
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

extension BackupFixture {
    /// What the backup's mbox files say is live, per folder: UID → the same facts as
    /// `backupState()`, each message read back from its mbox entry and hashed.
    func mboxState() throws -> [String: [UInt32: ServerMessage]] {
        try liveState { row in
            let path = try #require(row["mbox_path"] as String?, "UID \(row["uid"] as Int64) has no mbox entry")
            return try mboxMessage(path: path, offset: row["mbox_offset"], length: row["mbox_length"], size: row["size"])
        }
    }

    func mboxMessage(path: String, offset: Int64, length: Int64, size: Int64) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try MboxStore(root: directory.path + "/mbox").read(path, offset: offset, length: length, size: size) { bytes += $0 }
        return bytes
    }

    /// Each mbox file's messages in file order, as the catalog records them (one entry per
    /// distinct message in a folder), read back exactly.
    func mboxContents() throws -> [String: [[UInt8]]] {
        let rows = try catalog().pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT p.mbox_path, p.mbox_offset, p.mbox_length, m.size FROM placements p
                    JOIN messages m ON m.id = p.message_id WHERE p.mbox_path IS NOT NULL
                    ORDER BY p.mbox_path, p.mbox_offset
                    """)
        }
        var contents: [String: [[UInt8]]] = [:]
        for row in rows {
            let path: String = row[0]
            contents[path, default: []].append(try mboxMessage(path: path, offset: row[1], length: row[2], size: row[3]))
        }
        return contents
    }

    /// The SHA-256 (hex) of each entry of an mbox in file order, as the catalog records them.
    func mboxEntryDigests(_ path: String) throws -> [String] {
        try catalog().pool.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT lower(hex(m.sha256)), p.mbox_offset FROM placements p JOIN messages m ON m.id = p.message_id
                    WHERE p.mbox_path = ? ORDER BY p.mbox_offset
                    """, arguments: [path])
        }
    }

    /// Every `.mbox` file below `DIR/mbox`, relative to it.
    func mboxFiles() -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory.appendingPathComponent("mbox").path)
        var files: [String] = []
        while let path = enumerator?.nextObject() as? String {
            if path.hasSuffix(".mbox") { files.append(path) }
        }
        return files.sorted()
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
