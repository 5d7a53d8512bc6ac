import Foundation
import GRDB

/// What the replay log says of one message in one destination folder.
public struct ReplayLogEntry: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        /// Written before the APPEND was sent: the message may or may not be there.
        case pending
        /// The destination folder holds the message.
        case done
    }

    public var sha256: Data
    public var state: State
    public var found: Bool
    public var uidValidity: Int64?
    public var uid: Int64?

    public init(sha256: Data, state: State, found: Bool = false, uidValidity: Int64? = nil, uid: Int64? = nil) {
        self.sha256 = sha256
        self.state = state
        self.found = found
        self.uidValidity = uidValidity
        self.uid = uid
    }
}

/// The replay log (DESIGN.md "Order of writes", step 4): a row per destination account, destination
/// folder and message. `pending` is committed before the APPEND is sent, `done` after it succeeded.
extension Catalog {
    /// Every row for one destination folder, by message hash.
    public func replayLog(destination: String, folder: Data) throws -> [Data: ReplayLogEntry] {
        try pool.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT sha256, state, found, uid_validity, uid FROM replay_log
                    WHERE destination = ? AND folder = ?
                    """, arguments: [destination, folder])
            var result: [Data: ReplayLogEntry] = [:]
            while let row = try rows.next() {
                let entry = Self.replayLogEntry(row)
                result[entry.sha256] = entry
            }
            return result
        }
    }

    /// The rows for some messages in one destination folder, by message hash.
    public func replayLog(destination: String, folder: Data, messages hashes: some Sequence<Data>)
        throws -> [Data: ReplayLogEntry]
    {
        let all = Array(hashes)
        return try pool.read { db in
            var result: [Data: ReplayLogEntry] = [:]
            for start in stride(from: 0, to: all.count, by: 500) {
                let slice = Array(all[start..<min(start + 500, all.count)])
                let marks = slice.map { _ in "?" }.joined(separator: ", ")
                let head: [any DatabaseValueConvertible] = [destination, folder]
                let rows = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT sha256, state, found, uid_validity, uid FROM replay_log
                        WHERE destination = ? AND folder = ? AND sha256 IN (\(marks))
                        """, arguments: StatementArguments(head) + StatementArguments(slice))
                while let row = try rows.next() {
                    let entry = Self.replayLogEntry(row)
                    result[entry.sha256] = entry
                }
            }
            return result
        }
    }

    static func replayLogEntry(_ row: Row) -> ReplayLogEntry {
        ReplayLogEntry(
            sha256: row[0], state: ReplayLogEntry.State(rawValue: row[1]) ?? .pending, found: row[2],
            uidValidity: row[3], uid: row[4])
    }

    /// Records entries (pending before an APPEND, done after it or after a lookup) in one transaction:
    /// when this returns, they are on disk.
    public func recordReplay(_ entries: [ReplayLogEntry], destination: String, folder: Data, now: Int64) throws {
        guard !entries.isEmpty else { return }
        try pool.write { db in
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO replay_log (destination, folder, sha256, state, found, uid_validity, uid, started_at,
                        finished_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (destination, folder, sha256) DO UPDATE SET
                        state = excluded.state, found = excluded.found, uid_validity = excluded.uid_validity,
                        uid = excluded.uid,
                        started_at = CASE WHEN excluded.state = 'pending' THEN excluded.started_at ELSE started_at END,
                        finished_at = excluded.finished_at
                    """)
            for entry in entries {
                try upsert.execute(arguments: [
                    destination, folder, entry.sha256, entry.state.rawValue, entry.found, entry.uidValidity, entry.uid,
                    now, entry.state == .done ? now : nil,
                ])
            }
        }
    }

    /// Drops pending rows of messages the destination refused: their fate is known (not appended).
    public func forgetPendingReplay(_ hashes: [Data], destination: String, folder: Data) throws {
        guard !hashes.isEmpty else { return }
        try pool.write { db in
            for sha256 in hashes {
                try db.execute(
                    sql: """
                        DELETE FROM replay_log
                        WHERE destination = ? AND folder = ? AND sha256 = ? AND state = 'pending'
                        """, arguments: [destination, folder, sha256])
            }
        }
    }
}
