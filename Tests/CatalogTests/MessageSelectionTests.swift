import Foundation
import MailCore
import Testing

@testable import Catalog

/// Replay selection in SQL over a small catalog, as a table: a selection in, the UIDs it takes out.
struct MessageSelectionTests {
    struct Sample {
        var uid: Int64
        var size: Int64
        var flags: String
        var internalDate: Int64
        var header: Int64?
        var from: String
        var to: String
        var cc: String? = nil
        var subject: String
        var body: String
        var gone = false
    }

    static let day: Int64 = 86_400
    static let jan2020: Int64 = 1_577_836_800

    static let samples: [Sample] = [
        Sample(
            uid: 1, size: 2_000, flags: "\\Seen", internalDate: jan2020, header: jan2020 - 10 * day,
            from: "Alice <alice@example.com>", to: "bob@example.org", subject: "Quarterly report",
            body: "numbers inside"),
        Sample(
            uid: 2, size: 60_000_000, flags: "\\Seen \\Flagged $Work", internalDate: jan2020 + 40 * day, header: nil,
            from: "Jörg Müller <joerg@example.de>", to: "team@example.org", cc: "bob@example.org",
            subject: "Große Datei", body: "the attachment you asked for"),
        Sample(
            uid: 3, size: 5_000, flags: "", internalDate: jan2020 + 400 * day, header: jan2020 + 400 * day,
            from: "news@lists.example.net", to: "alice@example.com", subject: "Weekly NEWS",
            body: "swift evolution digest"),
        Sample(
            uid: 4, size: 800, flags: "\\Answered $work", internalDate: jan2020 - 5 * day, header: jan2020 + day,
            from: "carol@example.com", to: "alice@example.com", subject: "Re: lunch", body: "numbers again", gone: true),
    ]

    static func catalog() throws -> (Catalog, Int64) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("selection-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let catalog = try Catalog(directory: directory.path)
        let account = try catalog.account(name: "a", protocol: "imap", host: "h", port: 993, user: "u", now: 0)
        var folder = FolderRecord(
            accountId: account.id!, rawName: Data("INBOX".utf8), name: "INBOX", delimiter: "/", specialUse: nil,
            path: "INBOX", firstSeen: 0, lastSeen: 0)
        try catalog.save(&folder)
        let stored = samples.map { sample in
            StoredMessage(
                sha256: Data(SHA256Hasher.hash(Array("message \(sample.uid)".utf8)).bytes), size: sample.size,
                uid: sample.uid, flags: sample.flags, modseq: nil, internalDate: "x",
                internalDateUnix: sample.internalDate, maildirPath: "a/INBOX/cur/\(sample.uid)",
                summary: IndexedFields(
                    messageID: "id\(sample.uid)@example", date: sample.header, from: sample.from, to: sample.to,
                    cc: sample.cc, subject: sample.subject, hasAttachments: false, bodyText: sample.body))
        }
        try catalog.record(stored, folderID: folder.id!, uidValidity: 1, highestUID: 4, now: 0)
        let gone = try catalog.livePlacements(folderID: folder.id!, uidValidity: 1).values.filter { placement in
            samples.contains { $0.uid == placement.uid && $0.gone }
        }
        try catalog.markGone(gone.map(\.id), now: 1)
        return (catalog, folder.id!)
    }

    static let cases: [(String, MessageSelection, [Int64])] = [
        ("everything live", MessageSelection(), [1, 2, 3]),
        ("gone too", MessageSelection(includeGone: true), [1, 2, 3, 4]),
        ("since, inclusive", MessageSelection(since: jan2020), [1, 2, 3]),
        ("before, exclusive", MessageSelection(before: jan2020 + 40 * day, includeGone: true), [1, 4]),
        ("a date range", MessageSelection(since: jan2020 + day, before: jan2020 + 401 * day), [2, 3]),
        (
            "header dates; no Date: fails the bound", MessageSelection(since: jan2020 - 20 * day, dateSource: .header),
            [1, 3]
        ),
        ("header date range", MessageSelection(since: jan2020, dateSource: .header, includeGone: true), [3, 4]),
        ("max size", MessageSelection(maxSize: 5_000), [1, 3]),
        ("min size", MessageSelection(minSize: 5_000), [2, 3]),
        ("required flags, any case", MessageSelection(flags: ["\\seen", "$WORK"]), [2]),
        ("a keyword is not a substring match", MessageSelection(flags: ["$Wor"]), []),
        ("not flags", MessageSelection(notFlags: ["\\Seen"], includeGone: true), [3, 4]),
        ("from contains, Unicode case", MessageSelection(from: "MÜLLER"), [2]),
        ("to contains matches Cc too", MessageSelection(to: "bob@"), [1, 2]),
        ("subject contains", MessageSelection(subject: "news"), [3]),
        ("full-text search", MessageSelection(search: "numbers", includeGone: true), [1, 4]),
        ("full-text search with a prefix", MessageSelection(search: "digest OR attach*"), [2, 3]),
        ("filters combine", MessageSelection(since: jan2020, maxSize: 10_000, search: "numbers"), [1]),
    ]

    @Test func selections() throws {
        let (catalog, folderID) = try Self.catalog()
        for (name, selection, uids) in Self.cases {
            let found = try catalog.replayCandidates(folderID: folderID, selection: selection).map(\.uid)
            #expect(found == uids, "\(name)")
        }
        #expect(try catalog.placementCount(folderID: folderID, includeGone: false) == 3)
        #expect(try catalog.placementCount(folderID: folderID, includeGone: true) == 4)
        let first = try #require(try catalog.replayCandidates(folderID: folderID, selection: MessageSelection()).first)
        #expect(first.messageID == "id1@example" && first.size == 2_000 && first.flags == "\\Seen")
        #expect(first.maildirPath == "a/INBOX/cur/1")
    }

    @Test func aMalformedSearchIsABadSearchError() throws {
        let (catalog, folderID) = try Self.catalog()
        #expect {
            _ = try catalog.replayCandidates(folderID: folderID, selection: MessageSelection(search: "\"unbalanced"))
        } throws: { error in
            guard case .badSearch? = error as? CatalogError else { return false }
            return true
        }
    }

    @Test func replayLogKeepsOneRowPerDestinationFolderAndMessage() throws {
        let (catalog, _) = try Self.catalog()
        let folder = Data("INBOX.Sent".utf8)
        let (a, b) = (Data([1]), Data([2]))
        try catalog.recordReplay(
            [ReplayLogEntry(sha256: a, state: .pending, uidValidity: 7), ReplayLogEntry(sha256: b, state: .pending)],
            destination: "imap://bob@h:993", folder: folder, now: 10)
        try catalog.recordReplay(
            [ReplayLogEntry(sha256: a, state: .done, uidValidity: 7, uid: 3)], destination: "imap://bob@h:993",
            folder: folder, now: 11)
        try catalog.forgetPendingReplay([a, b], destination: "imap://bob@h:993", folder: folder)
        let log = try catalog.replayLog(destination: "imap://bob@h:993", folder: folder)
        #expect(log == [a: ReplayLogEntry(sha256: a, state: .done, uidValidity: 7, uid: 3)])
        #expect(try catalog.replayLog(destination: "imap://other@h:993", folder: folder).isEmpty)
    }
}
