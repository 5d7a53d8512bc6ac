import Foundation
import GRDB

/// Field filters of a search, beside its words.
public struct SearchFilters: Sendable, Hashable {
    /// A substring of the From address (case-insensitive for ASCII).
    public var from: String?
    /// A substring of a To or Cc address.
    public var to: String?
    /// A folder's decoded name, or a glob (`Archive/*`).
    public var folder: String?
    /// Seconds since 1970: the message's date is at or after `since` and before `before`.
    public var since: Int64?
    public var before: Int64?
    public var hasAttachment: Bool

    public init(
        from: String? = nil, to: String? = nil, folder: String? = nil, since: Int64? = nil, before: Int64? = nil,
        hasAttachment: Bool = false
    ) {
        self.from = from
        self.to = to
        self.folder = folder
        self.since = since
        self.before = before
        self.hasAttachment = hasAttachment
    }
}

/// A message a search found (or `show` shows): its catalog id and what a list of results needs.
public struct SearchHit: Codable, Sendable, Hashable {
    /// `messages.id`: what `mailferry show` takes.
    public var id: Int64
    /// The Date header, else the earliest INTERNALDATE (seconds since 1970): what results are sorted by.
    public var date: Int64
    public var from: String?
    public var to: String?
    public var subject: String?
    public var size: Int64
    public var hasAttachments: Bool
    /// `account/folder` of every placement, live or gone.
    public var folders: [String]
}

/// One run of a backup job, as `mailferry runs` lists it.
public struct RunSummary: Codable, Sendable, Hashable {
    public var id: Int64
    public var job: String
    public var account: String?
    public var startedAt: Int64
    public var finishedAt: Int64?
    public var outcome: String
    public var foldersDone: Int64
    public var foldersFailed: Int64
    public var messagesNew: Int64
    public var bytesNew: Int64
    public var flagsChanged: Int64
    public var messagesGone: Int64
}

/// Where a message's bytes lie in the archive, and what they must hash to.
public struct MessageLocations: Sendable, Hashable {
    public var id: Int64
    public var sha256: Data
    public var size: Int64
    /// Relative to the backup's `maildir` folder.
    public var maildirPaths: [String]
    public var mboxEntries: [MboxLocation]
}

extension Catalog {
    /// Messages matching the query's tokens (all of them, by the index) and the filters, newest
    /// first. Phrases are not confirmed here: the caller checks `query.phrases` on the text.
    public func search(_ query: SearchQuery, filters: SearchFilters, limit: Int, offset: Int = 0) throws -> [SearchHit] {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let expression = query.ftsExpression {
            conditions.append("m.id IN (SELECT rowid FROM message_text WHERE message_text MATCH ?)")
            arguments.append(expression)
        }
        if let from = filters.from {
            conditions.append("m.from_address LIKE ? ESCAPE '\\'")
            arguments.append(Self.likePattern(from))
        }
        if let to = filters.to {
            conditions.append("(m.to_address LIKE ? ESCAPE '\\' OR m.cc_address LIKE ? ESCAPE '\\')")
            arguments.append(Self.likePattern(to))
            arguments.append(Self.likePattern(to))
        }
        if let folder = filters.folder {
            conditions.append(
                """
                EXISTS (SELECT 1 FROM placements q JOIN folders f ON f.id = q.folder_id
                        WHERE q.message_id = m.id AND f.name GLOB ?)
                """)
            arguments.append(folder)
        }
        if let since = filters.since {
            conditions.append("sort_date >= ?")
            arguments.append(since)
        }
        if let before = filters.before {
            conditions.append("sort_date < ?")
            arguments.append(before)
        }
        if filters.hasAttachment { conditions.append("m.has_attachments = 1") }
        arguments.append(limit)
        arguments.append(offset)
        let sql = """
            SELECT * FROM (\(Self.hitColumns)) AS m
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY sort_date DESC, m.id DESC LIMIT ? OFFSET ?
            """
        return try pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { try Self.hit($0, db) }
        }
    }

    /// One message's list entry, or nil when the catalog has no message with this id.
    public func hit(id: Int64) throws -> SearchHit? {
        try pool.read { db in
            try Row.fetchOne(db, sql: Self.hitColumns + " WHERE m.id = ?", arguments: [id]).map { try Self.hit($0, db) }
        }
    }

    /// What a search result shows of a message; `sort_date` is the Date header, else the earliest INTERNALDATE.
    static let hitColumns = """
        SELECT m.id, m.from_address, m.to_address, m.cc_address, m.subject, m.size, m.has_attachments,
            COALESCE(m.date, (SELECT MIN(p.internal_date_unix) FROM placements p WHERE p.message_id = m.id)) AS sort_date
        FROM messages m
        """

    static func hit(_ row: Row, _ db: Database) throws -> SearchHit {
        SearchHit(
            id: row["id"], date: row["sort_date"] ?? 0, from: row["from_address"], to: row["to_address"],
            subject: row["subject"], size: row["size"], hasAttachments: row["has_attachments"],
            folders: try folders(of: row["id"], db))
    }

    static func folders(of messageID: Int64, _ db: Database) throws -> [String] {
        try String.fetchAll(
            db,
            sql: """
                SELECT DISTINCT a.name || '/' || f.name FROM placements p JOIN folders f ON f.id = p.folder_id
                JOIN accounts a ON a.id = f.account_id WHERE p.message_id = ? ORDER BY 1
                """, arguments: [messageID])
    }

    /// `%text%` for LIKE, with LIKE's own characters escaped.
    static func likePattern(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return "%" + escaped + "%"
    }

    /// Where a message's bytes are archived; nil when the catalog has no message with this id.
    public func locations(ofMessage id: Int64) throws -> MessageLocations? {
        try pool.read { db in
            guard let message = try Row.fetchOne(db, sql: "SELECT sha256, size FROM messages WHERE id = ?", arguments: [id])
            else { return nil }
            var locations = MessageLocations(id: id, sha256: message[0], size: message[1], maildirPaths: [], mboxEntries: [])
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT maildir_path, mbox_path, mbox_offset, mbox_length FROM placements
                    WHERE message_id = ? ORDER BY gone_at IS NOT NULL, id
                    """, arguments: [id])
            for row in rows {
                if let path: String = row[0], !locations.maildirPaths.contains(path) { locations.maildirPaths.append(path) }
                if let path: String = row[1] {
                    let entry = MboxLocation(path: path, offset: row[2], length: row[3])
                    if !locations.mboxEntries.contains(entry) { locations.mboxEntries.append(entry) }
                }
            }
            return locations
        }
    }

    /// The history of runs, newest first.
    public func runs(limit: Int? = nil) throws -> [RunSummary] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT r.id, r.job, a.name AS account, r.started_at, r.finished_at, r.outcome, r.folders_done,
                        r.folders_failed, r.messages_new, r.bytes_new, r.flags_changed, r.messages_gone
                    FROM runs r LEFT JOIN accounts a ON a.id = r.account_id
                    ORDER BY r.started_at DESC, r.id DESC LIMIT ?
                    """, arguments: [limit ?? -1]
            ).map { row in
                RunSummary(
                    id: row["id"], job: row["job"], account: row["account"], startedAt: row["started_at"],
                    finishedAt: row["finished_at"], outcome: row["outcome"], foldersDone: row["folders_done"],
                    foldersFailed: row["folders_failed"], messagesNew: row["messages_new"], bytesNew: row["bytes_new"],
                    flagsChanged: row["flags_changed"], messagesGone: row["messages_gone"])
            }
        }
    }
}
