import Foundation
import GRDB

extension Catalog {
    /// Placements brought in by `mailferry import` live in this UID space of their folder: no
    /// server gives UIDVALIDITY 0 (RFC 3501 section 2.3.1.1: a non-zero number), so they never
    /// mix with a backed-up folder's UIDs and never move its high-water mark.
    public static let importUIDValidity: Int64 = 0

    /// The account's row, or nil when the catalog has none of that name.
    public func account(named name: String) throws -> AccountRecord? {
        try pool.read { db in try AccountRecord.filter(Column("name") == name).fetchOne(db) }
    }

    /// The UID the next imported message of a folder gets.
    public func nextImportUID(folderID: Int64) throws -> Int64 {
        try pool.read { db in
            try Int64.fetchOne(
                db, sql: "SELECT MAX(uid) FROM placements WHERE folder_id = ? AND uid_validity = ?",
                arguments: [folderID, Self.importUIDValidity]) ?? 0
        } + 1
    }

    /// Records a batch of imported messages in one transaction, leaving the folder's high-water
    /// marks alone.
    public func recordImported(_ batch: [StoredMessage], folderID: Int64, now: Int64) throws {
        try pool.write { db in
            try Self.insert(batch, folderID: folderID, uidValidity: Self.importUIDValidity, highestUID: nil, now: now, db)
        }
    }
}
