import Foundation
import GRDB

/// One placement as an export writes it: where it belongs and what the manifest says of it.
public struct ExportPlacement: Sendable, Hashable {
    public var account: String
    /// The folder's decoded name, and its escaped path in the archive.
    public var folder: String
    public var folderPath: String
    /// The folder's hierarchy delimiter, as the server gave it.
    public var delimiter: String?
    public var messageID: Int64
    public var sha256: Data
    public var size: Int64
    public var uidValidity: Int64
    public var uid: Int64
    public var flags: String
    public var internalDate: String
    public var internalDateUnix: Int64
    public var gone: Bool
}

extension Catalog {
    /// Every placement (live and gone) of the folders whose name matches `folderGlob` (all when
    /// nil), by account, folder and UID.
    public func exportPlacements(folderGlob: String?) throws -> [ExportPlacement] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT a.name AS account, f.name AS folder, f.path, f.delimiter, m.id, m.sha256, m.size, p.uid_validity, p.uid,
                        p.flags, p.internal_date, p.internal_date_unix, p.gone_at IS NOT NULL AS gone
                    FROM placements p JOIN folders f ON f.id = p.folder_id JOIN accounts a ON a.id = f.account_id
                    JOIN messages m ON m.id = p.message_id
                    WHERE ? IS NULL OR f.name GLOB ?
                    ORDER BY a.name, f.path, p.uid_validity, p.uid
                    """, arguments: [folderGlob, folderGlob]
            ).map { row in
                ExportPlacement(
                    account: row["account"], folder: row["folder"], folderPath: row["path"], delimiter: row["delimiter"], messageID: row["id"],
                    sha256: row["sha256"], size: row["size"], uidValidity: row["uid_validity"], uid: row["uid"],
                    flags: row["flags"], internalDate: row["internal_date"], internalDateUnix: row["internal_date_unix"],
                    gone: row["gone"])
            }
        }
    }
}
