import Catalog
import Engine
import Foundation
import GRDB
import MailCore
import MailTransport
import POP3Client
import TestSupport
import Testing

extension BackupFixture {
    /// A fixture whose account is alice's maildrop over POP3.
    static func pop3(
        _ policy: POP3Policy = POP3Policy(), tls: TLSMode = .implicit, options: DovecotServer.Options = .init()
    ) async throws -> BackupFixture {
        let fixture = try await make(options)
        fixture.usePOP3(policy, tls: tls, port: tls == .implicit ? fixture.server.pop3sPort : fixture.server.pop3Port)
        return fixture
    }

    func usePOP3(_ policy: POP3Policy, tls: TLSMode, host: String = "localhost", port: Int) {
        account = AccountConfig(
            name: "alice", mailProtocol: .pop3,
            endpoint: Endpoint(
                host: host, port: port, tls: tls, caFile: server.caCertificatePath, connectTimeoutSeconds: 5,
                readTimeoutSeconds: 60),
            user: "alice", secret: .environment("MAILFERRY_FIXTURE_PASSWORD"), pop3: policy)
    }

    /// The SHA-256 of every message alice's maildrop serves over POP3, sorted.
    func pop3ServerHashes() async throws -> [String] {
        let endpoint = Endpoint(
            host: "localhost", port: server.pop3sPort, tls: .implicit, caFile: server.caCertificatePath,
            connectTimeoutSeconds: 5, readTimeoutSeconds: 60)
        return try await POP3Session.withSession(endpoint: endpoint, logger: quietLogger) { session in
            try await session.login(user: "alice", password: Secret("alice-pass"))
            var hashes: [String] = []
            var hasher: SHA256Hasher?
            let requests = try await session.list().map { POP3Session.Request(number: $0.number, limit: 1 << 30) }
            try await session.retrieve(requests) { _, event in
                switch event {
                case .start: hasher = SHA256Hasher()
                case .data(let chunk): chunk.withUnsafeReadableBytes { hasher?.update($0) }
                case .end: hashes.append(hasher.take()!.finalize().hex)
                case .failed: break
                }
            }
            return hashes.sorted()
        }
    }

    /// What the backup holds for the POP3 INBOX, from the catalog, each file hashed from disk:
    /// the hashes of live placements (still on the server) and of all placements, sorted.
    func pop3Archive() throws -> (live: [String], all: [String]) {
        let rows = try catalog().pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT hex(m.sha256), p.maildir_path, p.gone_at FROM placements p
                    JOIN folders f ON f.id = p.folder_id JOIN messages m ON m.id = p.message_id
                    WHERE f.name = 'INBOX'
                    """)
        }
        var live: [String] = []
        var all: [String] = []
        for row in rows {
            let sha = (row[0] as String).lowercased()
            let path: String = row[1]
            let bytes = try Data(contentsOf: directory.appendingPathComponent("maildir/" + path))
            #expect(SHA256Hasher.hash(bytes).hex == sha, "file \(path) does not hash to its catalog row")
            all.append(sha)
            if (row[2] as Int64?) == nil { live.append(sha) }
        }
        return (live.sorted(), all.sorted())
    }

    /// Rows of pop3_uidls: (total, deleted).
    func uidlRows() throws -> (total: Int, deleted: Int) {
        try catalog().pool.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM pop3_uidls") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM pop3_uidls WHERE deleted_at IS NOT NULL") ?? 0
            )
        }
    }

    /// How many messages alice's maildrop holds, by doveadm.
    func serverCount() throws -> Int {
        Int(try server.status(user: "alice", folder: "INBOX")["messages"] ?? "") ?? -1
    }
}

/// A clock tests move by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var now: Int64
    init(_ start: Int64 = 1_800_000_000) { now = start }
    var read: @Sendable () -> Int64 { { [self] in lock.withLock { now } } }
    func advance(days: Int) { lock.withLock { now += Int64(days) * 86_400 } }
}
