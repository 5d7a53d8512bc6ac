import Foundation
import GRDB

/// Which archived messages a replay takes, as SQL over the catalog: dates, sizes, flags, addresses,
/// subject and a full-text query. Folder globs are decided before, on folder names.
public struct MessageSelection: Sendable, Hashable {
    public enum DateSource: String, Sendable, Hashable {
        /// INTERNALDATE: when the server received the message.
        case internalDate = "internaldate"
        /// The Date: header; a message without a readable one fails any date bound.
        case header
    }

    /// Seconds since 1970: `since` inclusive, `before` exclusive.
    public var since: Int64?
    public var before: Int64?
    public var dateSource: DateSource
    public var minSize: Int64?
    public var maxSize: Int64?
    /// Flags and keywords the message must all have / must have none of (any case).
    public var flags: [String]
    public var notFlags: [String]
    /// Case-insensitive substrings of From, of To or Cc, of the decoded Subject.
    public var from: String?
    public var to: String?
    public var subject: String?
    /// An FTS5 query over subject, addresses and the text of the message.
    public var search: String?
    /// Phrases of the search the index cannot decide (it keeps no positions, see `SearchQuery`): the caller
    /// confirms them on each candidate's text.
    public var phrases: [SearchTerm] = []
    /// Also messages expunged from their folder on the server since they were backed up.
    public var includeGone: Bool

    public init(
        since: Int64? = nil, before: Int64? = nil, dateSource: DateSource = .internalDate, minSize: Int64? = nil,
        maxSize: Int64? = nil, flags: [String] = [], notFlags: [String] = [], from: String? = nil, to: String? = nil,
        subject: String? = nil, search: String? = nil, includeGone: Bool = false
    ) {
        self.since = since
        self.before = before
        self.dateSource = dateSource
        self.minSize = minSize
        self.maxSize = maxSize
        self.flags = flags
        self.notFlags = notFlags
        self.from = from
        self.to = to
        self.subject = subject
        self.search = search
        self.includeGone = includeGone
    }

    /// True when no message filter is set (gone messages aside): every placement of a folder is taken.
    public var isUnfiltered: Bool {
        since == nil && before == nil && minSize == nil && maxSize == nil && flags.isEmpty && notFlags.isEmpty
            && from == nil && to == nil && subject == nil && search == nil
    }

    /// The WHERE conditions (over `placements p` joined with `messages m`) and their arguments.
    func sql() -> (conditions: [String], arguments: StatementArguments) {
        var conditions: [String] = []
        var arguments = StatementArguments()
        func add(_ condition: String, _ values: [(any DatabaseValueConvertible)?]) {
            conditions.append(condition)
            _ = arguments.append(contentsOf: StatementArguments(values))
        }
        if !includeGone { conditions.append("p.gone_at IS NULL") }
        let date = dateSource == .header ? "m.date" : "p.internal_date_unix"
        if let since { add("\(date) >= ?", [since]) }
        if let before { add("\(date) < ?", [before]) }
        if let minSize { add("m.size >= ?", [minSize]) }
        if let maxSize { add("m.size <= ?", [maxSize]) }
        let flagList = "(' ' || lower(p.flags) || ' ')"
        for flag in flags { add("instr(\(flagList), ' ' || lower(?) || ' ') > 0", [flag]) }
        for flag in notFlags { add("instr(\(flagList), ' ' || lower(?) || ' ') = 0", [flag]) }
        if let from { add("\(Catalog.containsFunction.name)(m.from_address, ?)", [from]) }
        if let to {
            let contains = Catalog.containsFunction.name
            add("(\(contains)(m.to_address, ?) OR \(contains)(m.cc_address, ?))", [to, to])
        }
        if let subject { add("\(Catalog.containsFunction.name)(m.subject, ?)", [subject]) }
        if let search { add("m.id IN (SELECT rowid FROM message_text WHERE message_text MATCH ?)", [search]) }
        return (conditions, arguments)
    }
}

/// One page of a folder's selected placements, and where the next one starts (nil after the last).
public struct ReplayCandidatePage: Sendable {
    public struct Position: Sendable, Hashable {
        public var uidValidity: Int64
        public var uid: Int64
    }

    public var candidates: [ReplayCandidate] = []
    public var last: Position?

    public init() {}
}

/// One archived placement a replay may append.
public struct ReplayCandidate: Sendable, Hashable {
    public var placementID: Int64
    public var folderID: Int64
    public var uid: Int64
    public var sha256: Data
    public var size: Int64
    /// The Message-ID without `<>`, as the indexer read it.
    public var messageID: String?
    /// Flags and keywords as the source server spelt them, space-separated.
    public var flags: String
    /// INTERNALDATE in wire form, exactly as the source server sent it.
    public var internalDate: String
    public var maildirPath: String?
    /// Its mbox entry, when the backup keeps mbox.
    public var mbox: MboxLocation?
    /// The message's row in the messages table.
    public var messageRow: Int64
}

extension Catalog {
    /// `mailferry_contains(haystack, needle)`: a case-insensitive substring test over Unicode (SQLite's
    /// LIKE folds ASCII only). NULL haystacks never match.
    static let containsFunction = DatabaseFunction("mailferry_contains", argumentCount: 2, pure: true) { values in
        guard let haystack = String.fromDatabaseValue(values[0]), let needle = String.fromDatabaseValue(values[1])
        else { return false }
        return haystack.range(of: needle, options: [.caseInsensitive]) != nil
    }

    /// The placements of a folder the selection takes, in UID order.
    public func replayCandidates(folderID: Int64, selection: MessageSelection) throws -> [ReplayCandidate] {
        var all: [ReplayCandidate] = []
        var page = ReplayCandidatePage()
        repeat {
            page = try replayCandidates(folderID: folderID, selection: selection, after: page.last, limit: 5_000)
            all += page.candidates
        } while page.last != nil
        return all
    }

    /// Up to `limit` placements of a folder the selection takes, in UID order, after the `after` position of
    /// the previous page: a folder of any size is read a page at a time.
    public func replayCandidates(
        folderID: Int64, selection: MessageSelection, after: ReplayCandidatePage.Position?, limit: Int
    ) throws -> ReplayCandidatePage {
        var (conditions, arguments) = selection.sql()
        conditions.insert("p.folder_id = ?", at: 0)
        arguments = StatementArguments([folderID]) + arguments
        if let after {
            conditions.append("(p.uid_validity, p.uid) > (?, ?)")
            _ = arguments.append(contentsOf: [after.uidValidity, after.uid])
        }
        _ = arguments.append(contentsOf: [limit])
        let sql = """
            SELECT p.id, p.folder_id, p.uid, m.sha256, m.size, m.message_id, p.flags, p.internal_date, p.maildir_path,
                p.mbox_path, p.mbox_offset, p.mbox_length, m.id, p.uid_validity
            FROM placements p JOIN messages m ON m.id = p.message_id
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY p.uid_validity, p.uid
            LIMIT ?
            """
        return try readSelecting(selection) { db in
            var page = ReplayCandidatePage()
            var last: ReplayCandidatePage.Position?
            let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            while let row = try rows.next() {
                page.candidates.append(
                    ReplayCandidate(
                        placementID: row[0], folderID: row[1], uid: row[2], sha256: row[3], size: row[4],
                        messageID: row[5], flags: row[6], internalDate: row[7], maildirPath: row[8],
                        mbox: (row[9] as String?).map { MboxLocation(path: $0, offset: row[10], length: row[11]) },
                        messageRow: row[12]))
                last = .init(uidValidity: row[13], uid: row[2])
            }
            page.last = page.candidates.count < limit ? nil : last
            return page
        }
    }

    /// What a replay into one destination folder has left to do, before its lookup: the selected placements
    /// of `folderIDs` that the replay log does not hold as done there (a message in several of them counts
    /// each time), their bytes, and whether any is pending (a run lost in the middle of its APPENDs).
    public func replayEstimate(
        folderIDs: [Int64], selection: MessageSelection, destination: String, folder: Data
    ) throws -> (messages: Int, bytes: Int64, pending: Bool) {
        guard !folderIDs.isEmpty else { return (0, 0, false) }
        var (conditions, arguments) = selection.sql()
        conditions.insert("p.folder_id IN (\(folderIDs.map { _ in "?" }.joined(separator: ", ")))", at: 0)
        conditions.append("(r.state IS NULL OR r.state != 'done')")
        let head: [any DatabaseValueConvertible] = [destination, folder]
        arguments = StatementArguments(head) + StatementArguments(folderIDs) + arguments
        let sql = """
            SELECT COUNT(*), COALESCE(SUM(m.size), 0), COALESCE(SUM(r.state = 'pending'), 0)
            FROM placements p JOIN messages m ON m.id = p.message_id
            LEFT JOIN replay_log r ON r.destination = ? AND r.folder = ? AND r.sha256 = m.sha256
            WHERE \(conditions.joined(separator: " AND "))
            """
        return try readSelecting(selection) { db in
            guard let row = try Row.fetchOne(db, sql: sql, arguments: arguments) else { return (0, 0, false) }
            return (row[0], row[1], (row[2] as Int64) > 0)
        }
    }

    /// How many placements of a folder a selection could take before its message filters: live ones, or all
    /// with `includeGone`.
    public func placementCount(folderID: Int64, includeGone: Bool) throws -> Int {
        try pool.read { db in
            try Int.fetchOne(
                db,
                sql: "SELECT COUNT(*) FROM placements WHERE folder_id = ?"
                    + (includeGone ? "" : " AND gone_at IS NULL"),
                arguments: [folderID]) ?? 0
        }
    }

    /// Throws `CatalogError.badSearch` when the selection's full-text query is malformed.
    public func check(_ selection: MessageSelection) throws {
        _ = try readSelecting(selection) { _ in () }
    }

    /// A read whose full-text query may be malformed: the query is tried alone first, so SQLite's complaint
    /// becomes `CatalogError.badSearch` and other database errors stay what they are.
    func readSelecting<T>(_ selection: MessageSelection, _ body: (Database) throws -> T) throws -> T {
        try pool.read { db in
            if let search = selection.search {
                do {
                    _ = try Int.fetchOne(
                        db,
                        sql: "SELECT COUNT(*) FROM (SELECT rowid FROM message_text WHERE message_text MATCH ? LIMIT 1)",
                        arguments: [search])
                } catch let error as DatabaseError {
                    throw CatalogError.badSearch(query: search, reason: error.message ?? "\(error)")
                }
            }
            return try body(db)
        }
    }
}
