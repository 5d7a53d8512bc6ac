import Foundation
import GRDB
import Testing

@testable import Catalog

/// The search index is filled as batches are recorded: one row per new message, none for a copy
/// the catalog already holds, searchable by term and by column.
struct SearchIndexTests {
    static func withCatalog(_ body: (Catalog, Int64) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("search-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let catalog = try Catalog(directory: directory.path)
        let account = try catalog.account(name: "a", protocol: "imap", host: "h", port: 993, user: "u", now: 1)
        var folder = FolderRecord(
            accountId: account.id!, rawName: Data("INBOX".utf8), name: "INBOX", delimiter: "/", specialUse: nil,
            path: "INBOX", firstSeen: 1, lastSeen: 1)
        try catalog.save(&folder)
        try body(catalog, folder.id!)
    }

    static func stored(_ uid: Int64, hash: UInt8, subject: String, body: String, indexed: Bool = true) -> StoredMessage {
        StoredMessage(
            sha256: Data(repeating: hash, count: 32), size: 100, uid: uid, flags: "", modseq: nil,
            internalDate: "01-Jan-2024 00:00:00 +0000", internalDateUnix: 1_704_067_200, maildirPath: "m/\(uid)",
            summary: indexed
                ? IndexedFields(
                    messageID: "<\(uid)@x>", date: nil, from: "Alice <alice@example.org>", to: "bob@example.org",
                    cc: nil, subject: subject, hasAttachments: false, bodyText: body)
                : nil)
    }

    static func matches(_ catalog: Catalog, _ query: String) throws -> [Int64] {
        try catalog.pool.read { db in
            try Int64.fetchAll(db, sql: "SELECT rowid FROM message_text WHERE message_text MATCH ? ORDER BY rowid", arguments: [query])
        }
    }

    @Test func termsAndColumnsAreSearchable() throws {
        try Self.withCatalog { catalog, folderID in
            try catalog.record(
                [
                    Self.stored(1, hash: 1, subject: "Quarterly report", body: "Numbers for the café on Main Street"),
                    Self.stored(2, hash: 2, subject: "Lunch", body: "The quarterly numbers are late"),
                ], folderID: folderID, uidValidity: 7, highestUID: 2, now: 2)
            #expect(try Self.matches(catalog, "quarterly") == [1, 2])
            #expect(try Self.matches(catalog, "subject:quarterly") == [1])
            #expect(try Self.matches(catalog, "cafe") == [1], "diacritics are folded")
            #expect(try Self.matches(catalog, "addresses:alice AND late") == [2])
            #expect(try Self.matches(catalog, "numb*") == [1, 2])
        }
    }

    @Test func aCopyAlreadyHeldAddsNoSecondRow() throws {
        try Self.withCatalog { catalog, folderID in
            try catalog.record([Self.stored(1, hash: 9, subject: "Once", body: "only once")], folderID: folderID, uidValidity: 7, highestUID: 1, now: 2)
            // The same bytes under another UID (a label, a duplicate): the committer passes no summary.
            try catalog.record([Self.stored(2, hash: 9, subject: "", body: "", indexed: false)], folderID: folderID, uidValidity: 7, highestUID: 2, now: 3)
            #expect(try Self.matches(catalog, "once") == [1])
            let placements = try catalog.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM placements") }
            #expect(placements == 2)
        }
    }

    @Test func theIndexKeepsNoCopyOfTheText() throws {
        try Self.withCatalog { catalog, folderID in
            try catalog.record([Self.stored(1, hash: 3, subject: "Secret plans", body: "body text")], folderID: folderID, uidValidity: 7, highestUID: 1, now: 2)
            let subject = try catalog.pool.read { db in
                try String.fetchOne(db, sql: "SELECT subject FROM message_text WHERE rowid = 1")
            }
            #expect(subject == nil)
        }
    }
}
