import Foundation
import GRDB

/// A POP3 message the catalog knows was saved: one `pop3_uidls` row.
public struct POP3SeenMessage: Sendable, Hashable {
    /// The UIDL, or the stand-in key when the server's UIDL cannot be used (see 0003_pop3.sql).
    public var uidl: String
    public var sha256: Data
    public var listedSize: Int64
    public var firstSaved: Int64
    public var deletedAt: Int64?

    public init(uidl: String, sha256: Data, listedSize: Int64, firstSaved: Int64, deletedAt: Int64? = nil) {
        self.uidl = uidl
        self.sha256 = sha256
        self.listedSize = listedSize
        self.firstSaved = firstSaved
        self.deletedAt = deletedAt
    }
}

/// A live `pop3_uidls` row and where its bytes are in the account's folder.
public struct POP3SavedRow: Sendable, Hashable {
    public var id: Int64
    public var row: POP3SeenMessage
    public var copy: ArchivedCopy?
}

extension Catalog {
    /// The live rows (not gone from the server) of these UIDLs, by UIDL (a reused UIDL may have
    /// several), each with its bytes' copy in the folder if there is one. Asked in chunks: a run
    /// never holds every row of a big maildrop at once.
    public func pop3Saved(uidls: [String], accountID: Int64, folderID: Int64) throws -> [String: [POP3SavedRow]] {
        var result: [String: [POP3SavedRow]] = [:]
        for start in stride(from: 0, to: uidls.count, by: Self.lookupChunk) {
            let chunk = Array(uidls[start..<min(uidls.count, start + Self.lookupChunk)])
            var rows: [(id: Int64, seen: POP3SeenMessage)] = []
            try pool.read { db in
                let cursor = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT id, uidl, sha256, listed_size, first_saved FROM pop3_uidls
                        WHERE account_id = ? AND deleted_at IS NULL AND uidl IN (\(databaseQuestionMarks(count: chunk.count)))
                        """, arguments: [accountID] + StatementArguments(chunk))
                while let row = try cursor.next() {
                    rows.append((row[0], POP3SeenMessage(uidl: row[1], sha256: row[2], listedSize: row[3], firstSaved: row[4])))
                }
            }
            let copies = try folderContents(folderID: folderID, sha256s: rows.map(\.seen.sha256))
            for row in rows {
                result[row.seen.uidl, default: []].append(POP3SavedRow(id: row.id, row: row.seen, copy: copies[row.seen.sha256]))
            }
        }
        return result
    }

    /// Every live row of an account, streamed: its id, UIDL and hash.
    public func pop3LiveRows(accountID: Int64, _ body: (Int64, String, Data) throws -> Void) throws {
        try pool.read { db in
            let rows = try Row.fetchCursor(
                db, sql: "SELECT id, uidl, sha256 FROM pop3_uidls WHERE account_id = ? AND deleted_at IS NULL",
                arguments: [accountID])
            while let row = try rows.next() { try body(row[0], row[1], row[2]) }
        }
    }

    /// Records a batch of stored POP3 messages and the UIDLs they were saved under, in one
    /// transaction: a UIDL is never recorded without its message, so a DELE that trusts the row
    /// always finds the bytes. `seen` may also name messages stored earlier (the same bytes under
    /// a new UIDL): they come back to life if they had been marked gone.
    public func recordPOP3(
        _ batch: [StoredMessage], seen: [POP3SeenMessage], accountID: Int64, folderID: Int64, uidValidity: Int64,
        now: Int64
    ) throws {
        try pool.write { db in
            let highest = batch.map(\.uid).max() ?? 0
            try Self.insert(batch, folderID: folderID, uidValidity: uidValidity, highestUID: highest, now: now, db)
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO pop3_uidls (account_id, uidl, sha256, listed_size, first_saved, last_seen)
                    VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (account_id, uidl, sha256) DO UPDATE SET
                        last_seen = excluded.last_seen, listed_size = excluded.listed_size, deleted_at = NULL
                    """)
            let revive = try db.cachedStatement(
                sql: """
                    UPDATE placements SET gone_at = NULL, last_seen = ?
                    WHERE folder_id = ? AND gone_at IS NOT NULL
                        AND message_id = (SELECT id FROM messages WHERE sha256 = ?)
                    """)
            for entry in seen {
                try upsert.execute(arguments: [accountID, entry.uidl, entry.sha256, entry.listedSize, entry.firstSaved, now])
                try revive.execute(arguments: [now, folderID, entry.sha256])
            }
        }
    }

    /// Marks POP3 messages as gone from the server (deleted by our DELE and QUIT, or vanished);
    /// a placement is marked gone once no live UIDL of the account holds its bytes.
    public func markPOP3Gone(
        _ entries: [(uidl: String, sha256: Data)], accountID: Int64, folderID: Int64, now: Int64
    ) throws {
        guard !entries.isEmpty else { return }
        try pool.write { db in
            let mark = try db.cachedStatement(
                sql: """
                    UPDATE pop3_uidls SET deleted_at = ?
                    WHERE account_id = ? AND uidl = ? AND sha256 = ? AND deleted_at IS NULL
                    """)
            let retire = try db.cachedStatement(
                sql: """
                    UPDATE placements SET gone_at = ?
                    WHERE folder_id = ? AND gone_at IS NULL
                        AND message_id = (SELECT id FROM messages WHERE sha256 = ?)
                        AND NOT EXISTS (SELECT 1 FROM pop3_uidls
                            WHERE account_id = ? AND sha256 = ? AND deleted_at IS NULL)
                    """)
            for entry in entries {
                try mark.execute(arguments: [now, accountID, entry.uidl, entry.sha256])
                try retire.execute(arguments: [now, folderID, entry.sha256, accountID, entry.sha256])
            }
        }
    }

    /// How many runs an account has had (this one included once started): a number that moves
    /// on by one each run.
    public func runCount(accountID: Int64) throws -> Int {
        try pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM runs WHERE account_id = ?", arguments: [accountID]) ?? 0
        }
    }
}
