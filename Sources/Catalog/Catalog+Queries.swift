import Foundation
import GRDB

/// One folder as `mailferry folders` shows it.
public struct FolderSummary: Codable, Sendable, Hashable {
    public var account: String
    public var name: String
    public var path: String
    public var specialUse: String?
    public var messages: Int
    public var bytes: Int64
    public var gone: Int
    public var uidValidity: Int64?
    public var lastSeen: Int64
    public var goneFromServer: Bool
}

/// Totals for `mailferry stats`.
public struct CatalogStats: Codable, Sendable, Hashable {
    public struct Year: Codable, Sendable, Hashable {
        public var year: Int
        public var messages: Int
        public var bytes: Int64
    }
    public struct LastRun: Codable, Sendable, Hashable {
        public var job: String
        public var startedAt: Int64
        public var finishedAt: Int64?
        public var outcome: String
        public var messagesNew: Int64
        public var bytesNew: Int64
    }
    public var accounts: Int
    public var folders: Int
    /// Distinct messages (by SHA-256) and their bytes: what the archive really holds.
    public var messages: Int
    public var bytes: Int64
    /// Placements: a message in two folders counts twice.
    public var placements: Int
    public var gone: Int
    public var perYear: [Year]
    public var lastRun: LastRun?
}

extension Catalog {
    /// The accounts a backup holds, by name.
    public func accounts() throws -> [AccountRecord] {
        try pool.read { db in try AccountRecord.order(Column("name")).fetchAll(db) }
    }

    public func folderSummaries() throws -> [FolderSummary] {
        try pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT a.name, f.name, f.path, f.special_use, f.uid_validity, f.last_seen, f.gone_at,
                        COUNT(CASE WHEN p.gone_at IS NULL AND p.id IS NOT NULL THEN 1 END),
                        COALESCE(SUM(CASE WHEN p.gone_at IS NULL THEN m.size END), 0),
                        COUNT(CASE WHEN p.gone_at IS NOT NULL THEN 1 END)
                    FROM folders f JOIN accounts a ON a.id = f.account_id
                    LEFT JOIN placements p ON p.folder_id = f.id
                    LEFT JOIN messages m ON m.id = p.message_id
                    GROUP BY f.id ORDER BY a.name, f.name
                    """)
            return rows.map { row in
                FolderSummary(
                    account: row[0], name: row[1], path: row[2], specialUse: row[3], messages: row[7], bytes: row[8],
                    gone: row[9], uidValidity: row[4], lastSeen: row[5], goneFromServer: (row[6] as Int64?) != nil)
            }
        }
    }

    public func stats() throws -> CatalogStats {
        try pool.read { db in
            let accounts = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM accounts") ?? 0
            let folders = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM folders") ?? 0
            let messages = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM messages") ?? 0
            let bytes = try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(size), 0) FROM messages") ?? 0
            let placements = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM placements WHERE gone_at IS NULL") ?? 0
            let gone = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM placements WHERE gone_at IS NOT NULL") ?? 0
            let years = try Row.fetchAll(
                db,
                sql: """
                    SELECT CAST(strftime('%Y', d, 'unixepoch') AS INTEGER) AS year, COUNT(*), SUM(size) FROM (
                        SELECT m.size AS size, MIN(p.internal_date_unix) AS d
                        FROM messages m JOIN placements p ON p.message_id = m.id GROUP BY m.id)
                    GROUP BY year ORDER BY year
                    """
            ).map { row in CatalogStats.Year(year: row[0] ?? 0, messages: row[1], bytes: row[2] ?? 0) }
            let last = try Row.fetchOne(
                db,
                sql: """
                    SELECT job, started_at, finished_at, outcome, messages_new, bytes_new FROM runs
                    ORDER BY id DESC LIMIT 1
                    """
            ).map { row in
                CatalogStats.LastRun(
                    job: row[0], startedAt: row[1], finishedAt: row[2], outcome: row[3], messagesNew: row[4],
                    bytesNew: row[5])
            }
            return CatalogStats(
                accounts: accounts, folders: folders, messages: messages, bytes: bytes, placements: placements,
                gone: gone, perYear: years, lastRun: last)
        }
    }
}

extension Catalog {
    /// Bytes of new mail the account's runs started since `since` recorded (finished runs only).
    public func bytesFetched(accountID: Int64, since: Int64) throws -> Int64 {
        try pool.read { db in
            try Int64.fetchOne(
                db, sql: "SELECT COALESCE(SUM(bytes_new), 0) FROM runs WHERE account_id = ? AND started_at >= ?",
                arguments: [accountID, since]) ?? 0
        }
    }
}
