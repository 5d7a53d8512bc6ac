import Foundation
import GRDB

/// A message stored in the archive, waiting for its batch to be recorded.
public struct StoredMessage: Sendable {
    public var sha256: Data
    public var size: Int64
    public var uid: Int64
    public var flags: String
    public var modseq: Int64?
    public var internalDate: String
    public var internalDateUnix: Int64
    public var maildirPath: String?
    /// The entry in the folder's mbox, when the job keeps mbox.
    public var mbox: MboxLocation?
    /// The index entry; nil when the message is already in the catalog.
    public var summary: IndexedFields?
    /// Where INTERNALDATE came from when the server has none (POP3): "received" or "downloaded".
    public var internalDateSource: String?

    public init(
        sha256: Data, size: Int64, uid: Int64, flags: String, modseq: Int64?, internalDate: String,
        internalDateUnix: Int64, maildirPath: String?, mbox: MboxLocation? = nil, summary: IndexedFields?,
        internalDateSource: String? = nil
    ) {
        self.sha256 = sha256
        self.size = size
        self.uid = uid
        self.flags = flags
        self.modseq = modseq
        self.internalDate = internalDate
        self.internalDateUnix = internalDateUnix
        self.maildirPath = maildirPath
        self.mbox = mbox
        self.summary = summary
        self.internalDateSource = internalDateSource
    }
}

/// Where a message lies in an mbox file: the file (relative to the backup's `mbox` folder), the
/// offset of its entry's `From ` line and the entry's length on disk.
public struct MboxLocation: Sendable, Hashable, Codable {
    public var path: String
    public var offset: Int64
    public var length: Int64

    public init(path: String, offset: Int64, length: Int64) {
        self.path = path
        self.offset = offset
        self.length = length
    }

    /// Where the next entry after this one starts.
    public var end: Int64 { offset + length }
}

/// What the catalog keeps of a message's content for listing and search.
public struct IndexedFields: Sendable, Hashable {
    public var messageID: String?
    public var date: Int64?
    public var from: String?
    public var to: String?
    public var cc: String?
    public var subject: String?
    public var hasAttachments: Bool
    public var bodyText: String

    public init(
        messageID: String?, date: Int64?, from: String?, to: String?, cc: String?, subject: String?,
        hasAttachments: Bool, bodyText: String
    ) {
        self.messageID = messageID
        self.date = date
        self.from = from
        self.to = to
        self.cc = cc
        self.subject = subject
        self.hasAttachments = hasAttachments
        self.bodyText = bodyText
    }
}

/// A live placement as the flag and expunge passes need it.
public struct LivePlacement: Sendable, Hashable {
    public var id: Int64
    public var uid: Int64
    public var flags: String
    public var maildirPath: String?

    public init(id: Int64, uid: Int64, flags: String, maildirPath: String?) {
        self.id = id
        self.uid = uid
        self.flags = flags
        self.maildirPath = maildirPath
    }
}

extension Catalog {
    /// The account's row, created or refreshed. Never stores a secret.
    public func account(name: String, protocol: String, host: String, port: Int, user: String, now: Int64) throws -> AccountRecord {
        try pool.write { db in
            if var existing = try AccountRecord.filter(Column("name") == name).fetchOne(db) {
                if existing.protocol != `protocol` || existing.host != host || existing.port != port || existing.user != user {
                    existing.protocol = `protocol`
                    existing.host = host
                    existing.port = port
                    existing.user = user
                    try existing.update(db)
                }
                return existing
            }
            var record = AccountRecord(
                id: nil, name: name, protocol: `protocol`, host: host, port: port, user: user, createdAt: now)
            try record.insert(db)
            return record
        }
    }

    public func folders(accountID: Int64) throws -> [FolderRecord] {
        try pool.read { db in try FolderRecord.filter(Column("account_id") == accountID).fetchAll(db) }
    }

    public func save(_ folder: inout FolderRecord) throws {
        let copy = folder
        folder = try pool.write { db in
            var record = copy
            try record.save(db)
            return record
        }
    }

    /// Paths already taken by the account's folders (for making a new folder's path unique).
    public func folderPaths(accountID: Int64) throws -> Set<String> {
        try pool.read { db in
            Set(try String.fetchAll(db, sql: "SELECT path FROM folders WHERE account_id = ?", arguments: [accountID]))
        }
    }

    /// Live placements of a folder under one UIDVALIDITY, by UID.
    public func livePlacements(folderID: Int64, uidValidity: Int64) throws -> [Int64: LivePlacement] {
        try pool.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT id, uid, flags, maildir_path FROM placements
                    WHERE folder_id = ? AND uid_validity = ? AND gone_at IS NULL
                    """, arguments: [folderID, uidValidity])
            var result: [Int64: LivePlacement] = [:]
            while let row = try rows.next() {
                let placement = LivePlacement(id: row[0], uid: row[1], flags: row[2], maildirPath: row[3])
                result[placement.uid] = placement
            }
            return result
        }
    }

    /// Every archive path a folder's placements use, live or gone (to find orphan files).
    public func maildirPaths(folderID: Int64) throws -> Set<String> {
        try pool.read { db in
            Set(
                try String.fetchAll(
                    db, sql: "SELECT maildir_path FROM placements WHERE folder_id = ? AND maildir_path IS NOT NULL",
                    arguments: [folderID]))
        }
    }

    /// The messages the catalog already holds among these hashes, each with an archived copy's
    /// path when there is one (for storing the bytes once) and, when `mboxFolderID` is given, its
    /// entry in that folder's mbox. One read for a whole batch.
    public func archivedCopies(sha256s: some Sequence<Data>, mboxFolderID: Int64? = nil) throws -> [Data: ArchivedCopy] {
        try pool.read { db in
            let find = try db.cachedStatement(
                sql: """
                    SELECT m.id, (SELECT p.maildir_path FROM placements p
                                  WHERE p.message_id = m.id AND p.maildir_path IS NOT NULL LIMIT 1)
                    FROM messages m WHERE m.sha256 = ?
                    """)
            let findEntry = try db.cachedStatement(
                sql: """
                    SELECT mbox_path, mbox_offset, mbox_length FROM placements
                    WHERE message_id = ? AND folder_id = ? AND mbox_path IS NOT NULL LIMIT 1
                    """)
            var found: [Data: ArchivedCopy] = [:]
            for sha256 in sha256s where found[sha256] == nil {
                guard let row = try Row.fetchOne(find, arguments: [sha256]) else { continue }
                var copy = ArchivedCopy(messageID: row[0], maildirPath: row[1])
                if let mboxFolderID, let entry = try Row.fetchOne(findEntry, arguments: [copy.messageID, mboxFolderID]) {
                    copy.mbox = MboxLocation(path: entry[0], offset: entry[1], length: entry[2])
                }
                found[sha256] = copy
            }
            return found
        }
    }

    /// Where the last entry the catalog knows in a folder's mbox ends (0 when it knows none):
    /// bytes beyond it were never recorded.
    public func mboxRecordedEnd(folderID: Int64, path: String) throws -> Int64 {
        try pool.read { db in
            try Int64.fetchOne(
                db, sql: "SELECT MAX(mbox_offset + mbox_length) FROM placements WHERE folder_id = ? AND mbox_path = ?",
                arguments: [folderID, path]) ?? 0
        }
    }

    /// A folder's placements (live or gone) that have no mbox entry yet but a Maildir file: what
    /// an mbox catches up on when a job starts keeping mbox.
    public func placementsWithoutMbox(folderID: Int64) throws -> [UnboxedPlacement] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT p.id, m.id, m.size, p.maildir_path, p.internal_date_unix FROM placements p
                    JOIN messages m ON m.id = p.message_id
                    WHERE p.folder_id = ? AND p.mbox_path IS NULL AND p.maildir_path IS NOT NULL
                    ORDER BY p.uid_validity, p.uid
                    """, arguments: [folderID]
            ).map { row in
                UnboxedPlacement(
                    placementID: row[0], messageID: row[1], size: row[2], maildirPath: row[3], internalDateUnix: row[4])
            }
        }
    }

    /// The entries of a folder's mbox, by message (catalog id).
    public func mboxEntries(folderID: Int64) throws -> [Int64: MboxLocation] {
        try pool.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT message_id, mbox_path, mbox_offset, mbox_length FROM placements
                    WHERE folder_id = ? AND mbox_path IS NOT NULL
                    """, arguments: [folderID])
            var result: [Int64: MboxLocation] = [:]
            while let row = try rows.next() {
                result[row[0]] = MboxLocation(path: row[1], offset: row[2], length: row[3])
            }
            return result
        }
    }

    /// Records mbox entries of existing placements, in one transaction.
    public func recordMboxEntries(_ entries: [(placementID: Int64, location: MboxLocation)]) throws {
        guard !entries.isEmpty else { return }
        try pool.write { db in
            let update = try db.cachedStatement(
                sql: "UPDATE placements SET mbox_path = ?, mbox_offset = ?, mbox_length = ? WHERE id = ?")
            for entry in entries {
                try update.execute(arguments: [
                    entry.location.path, entry.location.offset, entry.location.length, entry.placementID,
                ])
            }
        }
    }

    /// Records a batch of stored messages and advances the folder's high-water mark, in one
    /// transaction: after a crash either all of it is there or none.
    public func record(_ batch: [StoredMessage], folderID: Int64, uidValidity: Int64, highestUID: Int64, now: Int64) throws {
        try pool.write { db in
            try Self.insert(batch, folderID: folderID, uidValidity: uidValidity, highestUID: highestUID, now: now, db)
        }
    }

    /// The messages and placements of a batch, and the folder's new high-water mark (none for an
    /// import, whose placements are in a UID space of their own).
    static func insert(
        _ batch: [StoredMessage], folderID: Int64, uidValidity: Int64, highestUID: Int64?, now: Int64, _ db: Database
    ) throws {
        // Cached statements: a batch runs the same four statements hundreds of times.
        let findMessage = try db.cachedStatement(sql: "SELECT id FROM messages WHERE sha256 = ?")
        let insertMessage = try db.cachedStatement(
            sql: """
                INSERT INTO messages (sha256, size, message_id, date, from_address, to_address, cc_address,
                    subject, has_attachments, first_seen)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let insertText = try db.cachedStatement(
            sql: "INSERT INTO message_text(rowid, subject, addresses, body) VALUES (?, ?, ?, ?)")
        let insertPlacement = try db.cachedStatement(
            sql: """
                INSERT INTO placements (message_id, folder_id, uid_validity, uid, flags, modseq, internal_date,
                    internal_date_unix, maildir_path, first_seen, last_seen, internal_date_source,
                    mbox_path, mbox_offset, mbox_length)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (folder_id, uid_validity, uid) DO UPDATE SET
                    flags = excluded.flags, maildir_path = excluded.maildir_path,
                    last_seen = excluded.last_seen, gone_at = NULL,
                    mbox_path = COALESCE(excluded.mbox_path, mbox_path),
                    mbox_offset = CASE WHEN excluded.mbox_path IS NULL THEN mbox_offset ELSE excluded.mbox_offset END,
                    mbox_length = CASE WHEN excluded.mbox_path IS NULL THEN mbox_length ELSE excluded.mbox_length END
                """)
        for message in batch {
            var messageID = try Int64.fetchOne(findMessage, arguments: [message.sha256])
            if messageID == nil {
                let fields = message.summary
                try insertMessage.execute(arguments: [
                    message.sha256, message.size, fields?.messageID, fields?.date, fields?.from, fields?.to,
                    fields?.cc, fields?.subject, fields?.hasAttachments ?? false, now,
                ])
                messageID = db.lastInsertedRowID
                if let fields {
                    let text = IndexedText(fields)
                    try insertText.execute(arguments: [messageID, text.subject, text.addresses, text.body])
                }
            }
            guard let messageID else { continue }
            try insertPlacement.execute(arguments: [
                messageID, folderID, uidValidity, message.uid, message.flags, message.modseq,
                message.internalDate, message.internalDateUnix, message.maildirPath, now, now,
                message.internalDateSource, message.mbox?.path, message.mbox?.offset, message.mbox?.length,
            ])
        }
        guard let highestUID else { return }
        try db.execute(
            sql: "UPDATE folders SET highest_uid = max(highest_uid, ?), last_seen = ? WHERE id = ?",
            arguments: [highestUID, now, folderID])
    }

    /// New flags (and the renamed file) for placements.
    public func updateFlags(_ changes: [(placementID: Int64, flags: String, maildirPath: String?)], now: Int64) throws {
        guard !changes.isEmpty else { return }
        try pool.write { db in
            for change in changes {
                try db.execute(
                    sql: "UPDATE placements SET flags = ?, maildir_path = ?, last_seen = ? WHERE id = ?",
                    arguments: [change.flags, change.maildirPath, now, change.placementID])
            }
        }
    }

    /// Marks placements as gone from the server; their files stay in the archive.
    public func markGone(_ placementIDs: [Int64], now: Int64) throws {
        guard !placementIDs.isEmpty else { return }
        try pool.write { db in
            for id in placementIDs {
                try db.execute(sql: "UPDATE placements SET gone_at = ? WHERE id = ? AND gone_at IS NULL", arguments: [now, id])
            }
        }
    }

    /// Marks every live placement of a folder from an older UIDVALIDITY as gone; imported
    /// placements (`importUIDValidity`) are no server's and stay.
    public func retireUIDValidity(folderID: Int64, keeping uidValidity: Int64, now: Int64) throws -> Int {
        try pool.write { db in
            try db.execute(
                sql: """
                    UPDATE placements SET gone_at = ?
                    WHERE folder_id = ? AND uid_validity != ? AND uid_validity != ? AND gone_at IS NULL
                    """, arguments: [now, folderID, uidValidity, Self.importUIDValidity])
            return db.changesCount
        }
    }

    /// Every message of a folder (live or gone) by hash, with where it lies in the archive: what a
    /// rescan can reuse, and what a POP3 maildrop already holds.
    public func folderContents(folderID: Int64) throws -> [Data: ArchivedCopy] {
        try pool.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    \(Self.copyColumns) WHERE p.folder_id = ? AND (p.maildir_path IS NOT NULL OR p.mbox_path IS NOT NULL)
                    """, arguments: [folderID])
            var result: [Data: ArchivedCopy] = [:]
            while let row = try rows.next() { Self.merge(row, into: &result) }
            return result
        }
    }

    /// `folderContents` for these hashes only: what a run that remembers little asks as it goes.
    public func folderContents(folderID: Int64, sha256s: [Data]) throws -> [Data: ArchivedCopy] {
        var result: [Data: ArchivedCopy] = [:]
        for start in stride(from: 0, to: sha256s.count, by: Self.lookupChunk) {
            let chunk = Array(sha256s[start..<min(sha256s.count, start + Self.lookupChunk)])
            try pool.read { db in
                let rows = try Row.fetchCursor(
                    db,
                    sql: """
                        \(Self.copyColumns) WHERE m.sha256 IN (\(databaseQuestionMarks(count: chunk.count)))
                            AND p.folder_id = ? AND (p.maildir_path IS NOT NULL OR p.mbox_path IS NOT NULL)
                        """, arguments: StatementArguments(chunk) + [folderID])
                while let row = try rows.next() { Self.merge(row, into: &result) }
            }
        }
        return result
    }

    /// What `merge` reads, from placements `p` and messages `m`.
    static let copyColumns = """
        SELECT m.sha256, m.id, p.maildir_path, p.mbox_path, p.mbox_offset, p.mbox_length
        FROM placements p JOIN messages m ON m.id = p.message_id
        """

    /// How many keys one `IN (...)` lookup binds.
    static let lookupChunk = 500

    /// Adds a (sha256, message id, maildir path, mbox path, offset, length) row: the first Maildir
    /// file and the first mbox entry of each message.
    static func merge(_ row: Row, into result: inout [Data: ArchivedCopy]) {
        let sha: Data = row[0]
        var copy = result[sha] ?? ArchivedCopy(messageID: row[1], maildirPath: nil)
        if copy.maildirPath == nil { copy.maildirPath = row[2] }
        if copy.mbox == nil, let path: String = row[3] {
            copy.mbox = MboxLocation(path: path, offset: row[4], length: row[5])
        }
        result[sha] = copy
    }

    public func startRun(job: String, accountID: Int64?, now: Int64) throws -> RunRecord {
        try pool.write { db in
            var run = RunRecord(job: job, accountId: accountID, startedAt: now, outcome: "running")
            try run.insert(db)
            return run
        }
    }

    public func finish(_ run: RunRecord) throws {
        try pool.write { db in try run.update(db) }
    }
}

extension Catalog {
    /// Points every placement that used an archive file at its new name, for several files in one
    /// transaction.
    public func repoint(_ moves: [(from: String, to: String)]) throws {
        try pool.write { db in
            let update = try db.cachedStatement(sql: "UPDATE placements SET maildir_path = ? WHERE maildir_path = ?")
            for move in moves { try update.execute(arguments: [move.to, move.from]) }
        }
    }
}

/// A message the catalog already holds, and one archived file with its bytes when there is one.
public struct ArchivedCopy: Sendable, Hashable {
    public var messageID: Int64
    public var maildirPath: String?
    /// Its entry in the mbox of the folder asked about, if it has one.
    public var mbox: MboxLocation?

    public init(messageID: Int64, maildirPath: String?, mbox: MboxLocation? = nil) {
        self.messageID = messageID
        self.maildirPath = maildirPath
        self.mbox = mbox
    }
}

/// A placement whose message is in the Maildir but not yet in its folder's mbox.
public struct UnboxedPlacement: Sendable, Hashable {
    public var placementID: Int64
    public var messageID: Int64
    public var size: Int64
    public var maildirPath: String
    public var internalDateUnix: Int64
}
