import Catalog
import Engine
import Foundation
import GRDB
import IMAPClient
import IMAPCore
import MailCore
import MailTransport
import TestSupport
import Testing

/// alice's account on one server, backed up; bob's account (on the same or another server) to restore into.
final class ReplayFixture {
    let backup: BackupFixture
    let destinationServer: DovecotServer
    var bob: AccountConfig
    var source: DovecotServer { backup.server }

    /// With `destination` nil, bob lives on the source server.
    static func make(source: DovecotServer.Layout = .slash, destination: DovecotServer.Layout? = nil) async throws
        -> ReplayFixture
    {
        let backup = try await BackupFixture.make(.init(layout: source))
        var server = backup.server
        if let destination { server = try await DovecotServer.started(.init(layout: destination)) }
        return ReplayFixture(backup: backup, destinationServer: server)
    }

    /// bob on a server of his own, started with `destinationOptions` (limits, capabilities).
    static func make(destinationOptions: DovecotServer.Options) async throws -> ReplayFixture {
        let backup = try await BackupFixture.make()
        return ReplayFixture(backup: backup, destinationServer: try await DovecotServer.started(destinationOptions))
    }

    init(backup: BackupFixture, destinationServer: DovecotServer) {
        self.backup = backup
        self.destinationServer = destinationServer
        setenv("MAILFERRY_FIXTURE_BOB_PASSWORD", "bob-pass", 1)
        bob = AccountConfig(
            name: "bob", mailProtocol: .imap,
            endpoint: Endpoint(
                host: "localhost", port: destinationServer.imapsPort, tls: .implicit,
                caFile: destinationServer.caCertificatePath, connectTimeoutSeconds: 5, readTimeoutSeconds: 60),
            user: "bob", secret: .environment("MAILFERRY_FIXTURE_BOB_PASSWORD"))
    }

    deinit {
        let server = destinationServer
        if server !== backup.server { Thread { server.stop() }.start() }
    }

    /// Backs alice up and checks the backup succeeded.
    func backUp() async throws {
        let report = try await backup.backup()
        #expect(report.outcome == .success, "\(report.folders.compactMap(\.error))")
    }

    func restore(_ options: ReplayOptions = ReplayOptions()) async throws -> ReplayReport {
        try await ReplayJob(directory: backup.directory.path, destination: bob, options: options).run(
            logger: quietLogger)
    }

    func alice() async throws -> [String: [UInt32: ServerMessage]] {
        try await mailboxState(source, endpoint: backup.account.endpoint, user: "alice", password: "alice-pass")
    }

    func bobState() async throws -> [String: [UInt32: ServerMessage]] {
        try await mailboxState(destinationServer, endpoint: bob.endpoint, user: "bob", password: "bob-pass")
    }

    func bobSession<Result: Sendable>(_ body: (IMAPSession) async throws -> Result) async throws -> Result {
        try await IMAPSession.withSession(endpoint: bob.endpoint, logger: quietLogger) { session in
            try await session.login(user: "bob", password: Secret("bob-pass"))
            return try await body(session)
        }
    }
}

/// What a user's folders hold: folder → UID → (sha256, flags without \Recent, INTERNALDATE as served).
func mailboxState(_ server: DovecotServer, endpoint: Endpoint, user: String, password: String) async throws
    -> [String: [UInt32: ServerMessage]]
{
    try await IMAPSession.withSession(endpoint: endpoint, logger: quietLogger) { session in
        try await session.login(user: user, password: Secret(password))
        var state: [String: [UInt32: ServerMessage]] = [:]
        for mailbox in try await session.listMailboxes(status: []) where mailbox.isSelectable {
            _ = try await session.open(mailbox.name)
            var messages: [UInt32: ServerMessage] = [:]
            var uid: UInt32 = 0
            var flags: [String] = []
            var date = ""
            var hasher: SHA256Hasher? = nil
            try await session.fetch([.all], items: IMAPSession.backupItems) { event in
                switch event {
                case .fetchStart: hasher = SHA256Hasher()
                case .fetchAttribute(.uid(let value)): uid = value
                case .fetchAttribute(.flags(let value)): flags = value.map(\.name).filter { $0 != "\\Recent" }
                case .fetchAttribute(.internalDate(let value)): date = value.description
                case .fetchBodyChunk(let chunk): chunk.withUnsafeReadableBytes { hasher?.update($0) }
                case .fetchEnd:
                    let digest = hasher.take()!.finalize()
                    messages[uid] = ServerMessage(sha256: digest.hex, flags: Set(flags), internalDate: date)
                default: break
                }
            }
            state[mailbox.name.description] = messages
        }
        return state
    }
}

extension Dictionary where Key == String, Value == [UInt32: ServerMessage] {
    /// Per folder, the messages without their UIDs (which differ between accounts), counted.
    var contents: [String: [ServerMessage: Int]] {
        mapValues { messages in messages.values.reduce(into: [:]) { $0[$1, default: 0] += 1 } }
    }

    /// Every message of every folder, counted: nothing twice means every count is 1.
    var messageCount: Int { values.reduce(0) { $0 + $1.count } }
}

/// alice's corpus: special-use, nested and non-ASCII folders, keywords, bare LF, no Message-ID, and folder
/// names holding the other layout's delimiter.
func loadReplayCorpus(_ server: DovecotServer, extra: Int = 60) throws {
    var folders = Corpus.mailbox(seed: 21)
    var generator = CorpusGenerator(seed: 22)
    let odd: [Corpus.FolderPath] =
        server.options.layout == .slash ? [["v1.2"], ["Notes", "a.b"]] : [["a/b"], ["Notes", "x/y"]]
    for path in odd { folders.append(CorpusFolder(path, [generator.message(ofSize: 1_800)])) }
    for index in 0..<extra {
        var message = generator.message(ofSize: 900 + (index * 53) % 7_000)
        message.flags =
            index % 4 == 0 ? ["\\Seen", "$Label\(index % 3)"] : (index % 5 == 0 ? ["\\Answered", "\\Flagged"] : [])
        folders[index % folders.count].messages.append(message)
    }
    try server.deliver(user: "alice", mailbox: folders)
}

extension Catalog {
    /// Rows of a query, as plain values (synchronous: tests call it from async code).
    func rows(_ sql: String, _ arguments: StatementArguments = []) throws -> [[DatabaseValue]] {
        try pool.read { db in try Row.fetchAll(db, sql: sql, arguments: arguments).map { Array($0.databaseValues) } }
    }

    func execute(_ sql: String, _ arguments: StatementArguments = []) throws {
        try pool.write { db in try db.execute(sql: sql, arguments: arguments) }
    }
}
