import Foundation
import GRDB

/// A placement of mail that has left the server, as retention sees it.
public struct GonePlacement: Sendable, Hashable {
    public var id: Int64
    public var messageID: Int64
    public var size: Int64
    /// Relative to the backup's `maildir` folder.
    public var maildirPath: String?
    public var inMbox: Bool
}

/// What one prune transaction removes. `texts` holds the search-index values of messages that
/// lose their last placement (FTS5 removes a contentless row only when given what was indexed);
/// a message without them keeps its row.
public struct PruneBatch: Sendable {
    public var placements: [GonePlacement]
    public var texts: [Int64: IndexedText]

    public init(placements: [GonePlacement], texts: [Int64: IndexedText]) {
        self.placements = placements
        self.texts = texts
    }
}

/// The three columns of the search index for one message, exactly as they were inserted.
public struct IndexedText: Sendable, Hashable {
    public var subject: String
    public var addresses: String
    public var body: String

    public init(_ fields: IndexedFields) {
        subject = fields.subject ?? ""
        addresses = [fields.from, fields.to, fields.cc].compactMap { $0 }.joined(separator: " ")
        body = fields.bodyText
    }
}

/// What a prune transaction did.
public struct PruneResult: Sendable, Hashable {
    public var placements = 0
    public var messages = 0
    public var bytes: Int64 = 0
    public var folders = 0
    /// Maildir files no placement names any more, recorded as pending removals: to be removed
    /// after the transaction, then `finishRemovals`.
    public var unreferencedFiles: [String] = []
    /// Placements removed whose bytes stay in an mbox file (entries are not cut out of a file).
    public var mboxEntriesKept = 0
}

extension Catalog {
    /// Placements of an account's mail that left the server (or whose folder did) at or before
    /// `cutoff`, by id after `afterPlacement`, at most `limit`. Imported mail was never on the
    /// server: a folder the server lacks does not make it gone.
    public func gonePlacements(accountID: Int64, goneAtOrBefore cutoff: Int64, afterPlacement: Int64, limit: Int) throws
        -> [GonePlacement]
    {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT p.id, p.message_id, m.size, p.maildir_path, p.mbox_path IS NOT NULL
                    FROM placements p JOIN folders f ON f.id = p.folder_id JOIN messages m ON m.id = p.message_id
                    WHERE f.account_id = ? AND COALESCE(p.gone_at, f.gone_at) <= ? AND p.id > ?
                        AND p.uid_validity != ?
                    ORDER BY p.id
                    LIMIT ?
                    """, arguments: [accountID, cutoff, afterPlacement, Self.importUIDValidity, limit]
            ).map { row in
                GonePlacement(id: row[0], messageID: row[1], size: row[2], maildirPath: row[3], inMbox: row[4])
            }
        }
    }

    /// Of these placements' messages, those that no other placement holds: pruning them removes
    /// the message itself.
    public func messagesHeldOnlyBy(_ placements: [GonePlacement]) throws -> Set<Int64> {
        let ids = Set(placements.map(\.id))
        return try pool.read { db in
            let others = try db.cachedStatement(sql: "SELECT id FROM placements WHERE message_id = ?")
            var only: Set<Int64> = []
            for messageID in Set(placements.map(\.messageID))
            where try Int64.fetchAll(others, arguments: [messageID]).allSatisfy(ids.contains) {
                only.insert(messageID)
            }
            return only
        }
    }

    /// Removes the placements, the messages they leave without a placement (with their search
    /// index rows), and the account's folders gone at or before `cutoff` that hold nothing any
    /// more, in one transaction. Files are not touched: the result names those no placement
    /// uses any more, recorded as pending removals, for the caller to remove once this has committed.
    public func prune(_ batch: PruneBatch, accountID: Int64, foldersGoneAtOrBefore cutoff: Int64) throws -> PruneResult {
        try pool.write { db in
            var result = PruneResult()
            let deletePlacement = try db.cachedStatement(sql: "DELETE FROM placements WHERE id = ?")
            for placement in batch.placements {
                try deletePlacement.execute(arguments: [placement.id])
                if placement.inMbox { result.mboxEntriesKept += 1 }
            }
            result.placements = batch.placements.count
            let stillHeld = try db.cachedStatement(sql: "SELECT 1 FROM placements WHERE message_id = ? LIMIT 1")
            let deleteText = try db.cachedStatement(
                sql: "INSERT INTO message_text(message_text, rowid, subject, addresses, body) VALUES ('delete', ?, ?, ?, ?)")
            let deleteMessage = try db.cachedStatement(sql: "DELETE FROM messages WHERE id = ?")
            var sizes: [Int64: Int64] = [:]
            for placement in batch.placements { sizes[placement.messageID] = placement.size }
            for (messageID, size) in sizes.sorted(by: { $0.key < $1.key }) {
                guard try Int.fetchOne(stillHeld, arguments: [messageID]) == nil, let text = batch.texts[messageID] else {
                    continue
                }
                try deleteText.execute(arguments: [messageID, text.subject, text.addresses, text.body])
                try deleteMessage.execute(arguments: [messageID])
                result.messages += 1
                result.bytes += size
            }
            let nameUsed = try db.cachedStatement(sql: "SELECT 1 FROM placements WHERE maildir_path = ? LIMIT 1")
            let pending = try db.cachedStatement(sql: "INSERT OR IGNORE INTO pending_removals (path) VALUES (?)")
            for path in Set(batch.placements.compactMap(\.maildirPath)).sorted()
            where try Int.fetchOne(nameUsed, arguments: [path]) == nil {
                try pending.execute(arguments: [path])
                result.unreferencedFiles.append(path)
            }
            try db.execute(
                sql: """
                    DELETE FROM folders
                    WHERE account_id = ? AND gone_at <= ?
                        AND NOT EXISTS (SELECT 1 FROM placements WHERE folder_id = folders.id)
                    """, arguments: [accountID, cutoff])
            result.folders = db.changesCount
            return result
        }
    }
}

extension Catalog {
    /// Files a prune took out of the catalog and has not yet recorded as removed (a killed run),
    /// without those a placement names again.
    public func pendingRemovals() throws -> [String] {
        try pool.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT path FROM pending_removals r
                    WHERE NOT EXISTS (SELECT 1 FROM placements WHERE maildir_path = r.path)
                    ORDER BY path
                    """)
        }
    }

    /// The files are gone from disk (or named by a placement again, and kept).
    public func finishRemovals(_ paths: [String]) throws {
        guard !paths.isEmpty else { return }
        try pool.write { db in
            let delete = try db.cachedStatement(sql: "DELETE FROM pending_removals WHERE path = ?")
            for path in paths { try delete.execute(arguments: [path]) }
        }
    }
}
