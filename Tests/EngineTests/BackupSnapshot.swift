import Archives
import Catalog
import Foundation
import GRDB
import MailCore

/// Everything a backup directory holds, without times: what a crashed-and-resumed run and a clean
/// run must agree on. Files are hashed from disk, so the archive is checked, not only the catalog.
struct BackupSnapshot: Equatable {
    struct Folder: Hashable, Comparable {
        var name: String
        var uidValidity: Int64?
        var highestUID: Int64
        var highestModseq: Int64?
        var uidNext: Int64?
        var serverMessages: Int64?
        var gone: Bool

        static func < (a: Folder, b: Folder) -> Bool { "\(a)" < "\(b)" }
    }

    struct Placement: Hashable, Comparable {
        var folder: String
        var uidValidity: Int64
        var uid: Int64
        var sha256: String
        var flags: [String]
        var internalDate: String
        var gone: Bool

        static func < (a: Placement, b: Placement) -> Bool { "\(a)" < "\(b)" }
    }

    var folders: Set<Folder> = []
    var placements: [Placement: Int] = [:]
    var messages: Set<String> = []
    /// Rows of the search index (one per message, never two).
    var indexed = 0
    /// POP3 UIDL rows as (sha256, listed size, deleted); the UIDL text itself changes with every
    /// delivery of the same mail, so it is left out.
    var uidls: [String: Int] = [:]
    /// Message files per folder directory and hash; mbox files by path and the hash of all their bytes.
    var files: [String: Int] = [:]
    /// Files left in any `tmp/`.
    var temporary: [String] = []
    /// Things that must never be: a placement whose file is missing or holds other bytes, a live
    /// file whose name shows other flags than the catalog.
    var broken: [String] = []
    /// Message files the catalog does not know (a crash may leave them; a finished run adopts them).
    var unknown: [String] = []
    /// Files a prune took out of the catalog and has not removed yet.
    var pendingRemovals: [String] = []

    init(directory: String) throws {
        let catalog = try Catalog.existing(directory: directory)
        let maildir = directory + "/maildir/"
        let mbox = MboxStore(root: directory + "/mbox")
        var hashes: [String: String] = [:]
        func hash(_ path: String) -> String? {
            if let known = hashes[path] { return known }
            guard let bytes = FileManager.default.contents(atPath: maildir + path) else { return nil }
            let digest = SHA256Hasher.hash(bytes).hex
            hashes[path] = digest
            return digest
        }
        try catalog.pool.read { db in
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT name, uid_validity, highest_uid, highest_modseq, uid_next, server_messages, gone_at, path
                    FROM folders
                    """)
            {
                folders.insert(
                    Folder(
                        name: row[0], uidValidity: row[1], highestUID: row[2], highestModseq: row[3], uidNext: row[4],
                        serverMessages: row[5], gone: (row[6] as Int64?) != nil))
            }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT f.name, p.uid_validity, p.uid, lower(hex(m.sha256)), p.flags, p.internal_date, p.gone_at,
                        p.maildir_path, p.mbox_path, p.mbox_offset, p.mbox_length, m.size
                    FROM placements p JOIN folders f ON f.id = p.folder_id JOIN messages m ON m.id = p.message_id
                    """)
            for row in rows {
                let flags = (row[4] as String).split(separator: " ").map(String.init).sorted()
                let placement = Placement(
                    folder: row[0], uidValidity: row[1], uid: row[2], sha256: row[3], flags: flags,
                    internalDate: row[5], gone: (row[6] as Int64?) != nil)
                placements[placement, default: 0] += 1
                if let entry = row[8] as String? {
                    var bytes: [UInt8] = []
                    do {
                        try mbox.read(entry, offset: row[9], length: row[10], size: row[11]) { bytes += $0 }
                        if SHA256Hasher.hash(bytes).hex != placement.sha256 {
                            broken.append("\(placement.folder) UID \(placement.uid): \(entry) at \(row[9] as Int64) holds other bytes")
                        }
                    } catch {
                        broken.append("\(placement.folder) UID \(placement.uid): \(entry) at \(row[9] as Int64): \(error)")
                    }
                }
                guard let path = row[7] as String? else { continue }
                guard let digest = hash(path) else {
                    broken.append("\(placement.folder) UID \(placement.uid): its file \(path) is missing")
                    continue
                }
                if digest != placement.sha256 {
                    broken.append("\(placement.folder) UID \(placement.uid): \(path) holds other bytes")
                }
                if !placement.gone, !path.hasSuffix(Self.info(flags)) {
                    broken.append("\(placement.folder) UID \(placement.uid): \(path) does not show flags \(flags)")
                }
            }
            messages = Set(try String.fetchAll(db, sql: "SELECT lower(hex(sha256)) FROM messages"))
            indexed = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM message_text") ?? 0
            pendingRemovals = try String.fetchAll(db, sql: "SELECT path FROM pending_removals")
            for row in try Row.fetchAll(
                db, sql: "SELECT lower(hex(sha256)), listed_size, deleted_at IS NOT NULL FROM pop3_uidls")
            {
                let deleted: Bool = row[2]
                uidls["\(row[0] as String) \(row[1] as Int64)\(deleted ? " deleted" : "")", default: 0] += 1
            }
        }
        let known = Set(
            try catalog.pool.read { db in
                try String.fetchAll(db, sql: "SELECT maildir_path FROM placements WHERE maildir_path IS NOT NULL")
            })
        let enumerator = FileManager.default.enumerator(atPath: maildir)
        while let path = enumerator?.nextObject() as? String {
            let parts = path.split(separator: "/")
            guard parts.count >= 2, ["cur", "new", "tmp"].contains(parts[parts.count - 2]) else { continue }
            if parts[parts.count - 2] == "tmp" {
                temporary.append(path)
                continue
            }
            let folder = parts.dropLast(2).joined(separator: "/")
            files["\(folder) \(hash(path) ?? "unreadable")", default: 0] += 1
            if !known.contains(path) { unknown.append(path) }
        }
        let mboxFiles = FileManager.default.enumerator(atPath: mbox.root)
        while let path = mboxFiles?.nextObject() as? String {
            guard path.hasSuffix(".mbox"), let bytes = FileManager.default.contents(atPath: mbox.root + "/" + path) else {
                continue
            }
            files["mbox \(path) \(SHA256Hasher.hash(bytes).hex)", default: 0] += 1
        }
    }

    /// The Maildir `:2,` info for IMAP flags: the letters of the system flags, sorted.
    static func info(_ flags: [String]) -> String {
        let letters: [String: Character] = [
            "\\draft": "D", "\\flagged": "F", "\\answered": "R", "\\seen": "S", "\\deleted": "T",
        ]
        return ":2," + String(Set(flags.compactMap { letters[$0.lowercased()] }).sorted())
    }

    /// Without the folders' message counts as of the last LIST: a POP3 run that deletes sees a
    /// full maildrop, the run after it an empty one.
    var ignoringServerCounts: BackupSnapshot {
        var copy = self
        copy.folders = Set(
            folders.map { folder in
                var folder = folder
                folder.serverMessages = nil
                return folder
            })
        return copy
    }

    /// Live placements of live folders as `BackupFixture.serverState()` shows the server.
    var live: [String: [UInt32: ServerMessage]] {
        let goneFolders = Set(folders.filter(\.gone).map(\.name))
        var state: [String: [UInt32: ServerMessage]] = [:]
        for placement in placements.keys where !placement.gone && !goneFolders.contains(placement.folder) {
            state[placement.folder, default: [:]][UInt32(placement.uid)] = ServerMessage(
                sha256: placement.sha256, flags: Set(placement.flags), internalDate: placement.internalDate)
        }
        return state
    }

    /// What differs from another snapshot, one line per fact (for a failing expectation).
    func difference(from other: BackupSnapshot) -> String {
        var lines: [String] = []
        func compare<Element: Comparable>(_ what: String, _ mine: [Element], _ theirs: [Element]) {
            let onlyMine = mine.filter { !theirs.contains($0) }
            let onlyTheirs = theirs.filter { !mine.contains($0) }
            for element in onlyMine.sorted().prefix(8) { lines.append("+ \(what) \(element)") }
            for element in onlyTheirs.sorted().prefix(8) { lines.append("- \(what) \(element)") }
        }
        compare("folder", Array(folders), Array(other.folders))
        compare(
            "placement", placements.map { "\($0.key) ×\($0.value)" }, other.placements.map { "\($0.key) ×\($0.value)" })
        compare("message", Array(messages), Array(other.messages))
        if indexed != other.indexed { lines.append("search index rows \(indexed), expected \(other.indexed)") }
        compare("uidl", uidls.map { "\($0.key) ×\($0.value)" }, other.uidls.map { "\($0.key) ×\($0.value)" })
        compare("file", files.map { "\($0.key) ×\($0.value)" }, other.files.map { "\($0.key) ×\($0.value)" })
        compare("tmp", temporary, other.temporary)
        compare("broken", broken, other.broken)
        compare("unknown file", unknown, other.unknown)
        compare("pending removal", pendingRemovals, other.pendingRemovals)
        return lines.joined(separator: "\n")
    }
}
