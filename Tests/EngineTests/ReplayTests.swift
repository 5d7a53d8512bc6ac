import Catalog
import Engine
import Foundation
import GRDB
import IMAPClient
import IMAPCore
import MailCore
import TestSupport
import Testing

/// Restore against real Dovecots: back alice up, replay into bob, compare what the servers serve.
@Suite(.serialized) struct ReplayTests {
    /// bob's folders must hold exactly alice's messages (bytes, flags, keywords, INTERNALDATE), each once,
    /// under the names `rename` gives.
    func expectSameMail(
        _ alice: [String: [UInt32: ServerMessage]], _ bob: [String: [UInt32: ServerMessage]],
        rename: (String) -> String = { $0 }, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var expected: [String: [ServerMessage: Int]] = [:]
        for (folder, messages) in alice.contents where !messages.isEmpty {
            expected[rename(folder), default: [:]].merge(messages, uniquingKeysWith: +)
        }
        let actual = bob.contents.filter { !$0.value.isEmpty }
        #expect(actual == expected, sourceLocation: sourceLocation)
    }

    @Test func fullRestoreIsByteExactWithFlagsAndDatesAndARerunAppendsNothing() async throws {
        let fixture = try await ReplayFixture.make()
        try loadReplayCorpus(fixture.source)
        try fixture.source.createFolder(user: "alice", name: "Empty/Folder")
        try await fixture.backUp()
        let alice = try await fixture.alice()
        #expect(alice.messageCount > 90)
        #expect(alice.values.contains { $0.values.contains { $0.flags.contains("$Forwarded") } })

        let first = try await fixture.restore()
        #expect(
            first.outcome == .success, "\(first.folders.flatMap(\.failedMessages)) \(first.folders.compactMap(\.error))"
        )
        #expect(first.appended == alice.messageCount)
        let bob = try await fixture.bobState()
        expectSameMail(alice, bob)
        // Every folder exists, the empty one too, and created folders are subscribed.
        #expect(Set(bob.keys) == Set(alice.keys))
        let subscribed = try await fixture.bobSession { session in
            try await session.run(
                .list(reference: MailboxName(bytes: []), pattern: MailboxName("*"), returning: .init(subscribed: true)))
        }
        let names = subscribed.untagged.compactMap { response -> String? in
            if case .list(let list) = response, list.has("\\Subscribed") { return list.mailbox.description }
            return nil
        }
        #expect(Set(names).isSuperset(of: ["Empty/Folder", "Входящие/Архив", "Projects/2024/Q1"]))

        let second = try await fixture.restore()
        #expect(second.outcome == .success)
        #expect(second.appended == 0)
        #expect(second.folders.reduce(0) { $0 + $1.alreadyRestored } == alice.messageCount)
        #expect(try await fixture.bobState() == bob)
    }

    @Test(arguments: [
        (DovecotServer.Layout.slash, DovecotServer.Layout.dotWithInboxPrefix), (.dotWithInboxPrefix, .slash),
    ])
    func restoreAcrossLayouts(from source: DovecotServer.Layout, to destination: DovecotServer.Layout) async throws {
        let fixture = try await ReplayFixture.make(source: source, destination: destination)
        try loadReplayCorpus(fixture.source, extra: 20)
        try await fixture.backUp()
        let alice = try await fixture.alice()
        let report = try await fixture.restore()
        #expect(
            report.outcome == .success,
            "\(report.folders.flatMap(\.failedMessages)) \(report.folders.compactMap(\.error))")
        let rename: (String) -> String
        if source == .slash {
            // "Projects/2024" → "INBOX.Projects.2024"; the dot of "v1.2" must not split it.
            rename = { name in
                name == "INBOX"
                    ? name
                    : "INBOX."
                        + name.split(separator: "/").map { $0.replacingOccurrences(of: ".", with: "_") }.joined(
                            separator: ".")
            }
            let escaped = try #require(report.mappings.first { $0.source == "Notes/a.b" })
            #expect(escaped.destination == "INBOX.Notes.a_b" && escaped.escaped)
        } else {
            rename = { name in
                name == "INBOX"
                    ? name
                    : name.dropFirst(6).split(separator: ".").map { $0.replacingOccurrences(of: "/", with: "_") }
                        .joined(separator: "/")
            }
            #expect(report.mappings.first { $0.source == "INBOX.a/b" }?.destination == "a_b")
        }
        let bobNow = try await fixture.bobState()
        expectSameMail(alice, bobNow, rename: rename)
    }

    @Test func automapAndRegexRules() async throws {
        let fixture = try await ReplayFixture.make()
        var generator = CorpusGenerator(seed: 3)
        for name in ["Sent Items", "Deleted Items", "Junk E-mail", "Archive/2023", "Archive/misc", "Sent Items/2019"] {
            try fixture.source.deliver(
                user: "alice", folder: name, messages: (0..<3).map { _ in generator.message(ofSize: 2_000) })
        }
        // bob already has the special-use folders Dovecot declares, one of them holding mail.
        for name in ["Sent", "Trash"] { try fixture.destinationServer.createFolder(user: "bob", name: name) }
        try fixture.destinationServer.deliver(user: "bob", folder: "Sent", messages: [generator.message(ofSize: 1_000)])
        try await fixture.backUp()
        let alice = try await fixture.alice()
        var options = ReplayOptions()
        options.mapping = FolderMapOptions(
            rules: [FolderMapRule(.regex("^Archive/(\\d{4})$"), to: "Archives/$1")], automap: true)
        let report = try await fixture.restore(options)
        #expect(report.outcome == .success, "\(report.folders.flatMap(\.failedMessages))")
        let bob = try await fixture.bobState()
        let renames = [
            "Sent Items": "Sent", "Deleted Items": "Trash", "Junk E-mail": "Junk", "Archive/2023": "Archives/2023",
            "Archive/misc": "Archive/misc", "Sent Items/2019": "Sent/2019", "INBOX": "INBOX",
        ]
        for (from, to) in renames {
            let expected = alice.contents[from] ?? [:]
            let held = (bob.contents[to] ?? [:]).filter { expected[$0.key] != nil }
            #expect(held == expected, "\(from) → \(to)")
        }
        #expect(bob["Sent"]?.count == 4)
        #expect(report.folders.first { $0.destination == "Junk" }?.created == true)
        #expect(report.folders.first { $0.destination == "Sent" }?.created == false)
    }

    @Test func filtersRestoreExactlyTheMatchingMessages() async throws {
        let fixture = try await ReplayFixture.make()
        try loadReplayCorpus(fixture.source)
        try await fixture.backUp()
        let alice = try await fixture.alice()
        var options = ReplayOptions()
        options.mapping.include = ["INBOX", "Projects*"]
        options.filter.flags = ["\\Seen"]
        options.filter.maxSize = "20KB"
        let report = try await fixture.restore(options)
        #expect(report.outcome == .success)
        let bob = try await fixture.bobState()
        let catalog = try fixture.backup.catalog()
        let sizes = Dictionary(
            try catalog.rows("SELECT lower(hex(sha256)), size FROM messages").map {
                (String.fromDatabaseValue($0[0])!, Int64.fromDatabaseValue($0[1])!)
            }, uniquingKeysWith: { a, _ in a })
        var expected: [String: [ServerMessage: Int]] = [:]
        for (folder, messages) in alice.contents where folder == "INBOX" || folder.hasPrefix("Projects") {
            let chosen = messages.filter { $0.key.flags.contains("\\Seen") && sizes[$0.key.sha256]! <= 20_000 }
            if !chosen.isEmpty { expected[folder] = chosen }
        }
        #expect(!expected.isEmpty)
        #expect(bob.contents.filter { !$0.value.isEmpty } == expected)
        #expect(report.filteredOut > 0)
        #expect(!bob.keys.contains("Archive"))
    }

    @Test func dryRunPlansAndChangesNothing() async throws {
        let fixture = try await ReplayFixture.make()
        try loadReplayCorpus(fixture.source, extra: 10)
        try await fixture.backUp()
        // bob holds one of alice's INBOX messages already.
        let inbox = try #require(Corpus.mailbox(seed: 21).first { $0.folder == ["INBOX"] })
        try fixture.destinationServer.deliver(user: "bob", folder: "INBOX", messages: [inbox.messages[0]])
        let before = try await fixture.bobState()
        var options = ReplayOptions()
        options.dryRun = true
        let plan = try await fixture.restore(options)
        #expect(try await fixture.bobState() == before)
        let catalog = try fixture.backup.catalog()
        #expect(try catalog.rows("SELECT COUNT(*) FROM replay_log")[0][0] == 0.databaseValue)
        #expect(plan.folders.first { $0.destination == "INBOX" }?.alreadyPresent == 1)
        #expect(plan.folders.contains { $0.created && $0.planned > 0 })

        let run = try await fixture.restore()
        #expect(run.appended == plan.planned)
        #expect(run.folders.map(\.appended) == plan.folders.map(\.planned))
        #expect(run.folders.first { $0.destination == "INBOX" }?.alreadyPresent == 1)
    }

    @Test func anInterruptedRestoreResumesWithNothingTwiceAndNothingMissing() async throws {
        let fixture = try await ReplayFixture.make()
        try loadReplayCorpus(fixture.source)
        try await fixture.backUp()
        let alice = try await fixture.alice()
        _ = try await fixture.restore()
        let catalog = try fixture.backup.catalog()
        // As if the run had died: a pending row for a message that was appended, a pending row for one that
        // was not (deleted from bob), and a message appended with its row never written.
        let inbox = Data("INBOX".utf8)
        let rows = try catalog.rows("SELECT sha256, uid FROM replay_log WHERE folder = ? ORDER BY uid", [inbox])
        #expect(rows.count >= 4)
        let (appended, notAppended, unlogged) = (rows[0], rows[1], rows[2])
        try catalog.execute(
            "UPDATE replay_log SET state = 'pending', uid = NULL WHERE sha256 IN (?, ?)", [appended[0], notAppended[0]])
        try catalog.execute("DELETE FROM replay_log WHERE sha256 = ?", [unlogged[0]])
        let expunged = Int64.fromDatabaseValue(notAppended[1])!
        try fixture.destinationServer.doveadm(["expunge", "-u", "bob", "mailbox", "INBOX", "uid", "\(expunged)"])

        let resumed = try await fixture.restore()
        #expect(resumed.outcome == .success)
        let inboxReport = try #require(resumed.folders.first { $0.destination == "INBOX" })
        #expect(inboxReport.appended == 1)
        #expect(inboxReport.alreadyPresent == 2)
        let bobNow = try await fixture.bobState()
        expectSameMail(alice, bobNow)
        #expect(try catalog.rows("SELECT COUNT(*) FROM replay_log WHERE state = 'pending'")[0][0] == 0.databaseValue)
    }

    @Test func restoringIntoAnAccountThatHoldsTheMailAlreadyDuplicatesNothing() async throws {
        let fixture = try await ReplayFixture.make()
        try loadReplayCorpus(fixture.source)
        var generator = CorpusGenerator(seed: 9)
        try fixture.source.deliver(
            user: "alice", folder: "INBOX", messages: (0..<30).map { _ in generator.message(ofSize: 1_500) })
        try await fixture.backUp()
        let alice = try await fixture.alice()
        _ = try await fixture.restore()
        // A new backup directory knows nothing of the first restore: everything is looked up, in bulk where a
        // folder has many messages and by SEARCH where it has few.
        let catalog = try fixture.backup.catalog()
        try catalog.execute("DELETE FROM replay_log")
        let again = try await fixture.restore()
        #expect(again.outcome == .success)
        #expect(again.appended == 0)
        #expect(again.folders.reduce(0) { $0 + $1.alreadyPresent } == alice.messageCount)
        #expect(
            again.folders.contains { $0.alreadyPresent > 32 }
                && again.folders.contains { (1...32).contains($0.alreadyPresent) })
        let bobNow = try await fixture.bobState()
        expectSameMail(alice, bobNow)
    }

    @Test func aDamagedArchiveFileIsReportedNotAppended() async throws {
        let fixture = try await ReplayFixture.make()
        var generator = CorpusGenerator(seed: 8)
        try fixture.source.deliver(
            user: "alice", folder: "INBOX", messages: (0..<5).map { _ in generator.message(ofSize: 3_000) })
        try await fixture.backUp()
        let catalog = try fixture.backup.catalog()
        let path = try #require(
            String.fromDatabaseValue(try catalog.rows("SELECT maildir_path FROM placements ORDER BY uid LIMIT 1")[0][0])
        )
        let file = fixture.backup.directory.path + "/maildir/" + path
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        bytes[bytes.count - 3] ^= 0x20
        try bytes.write(to: URL(fileURLWithPath: file))
        let report = try await fixture.restore()
        #expect(report.outcome == .partial)
        #expect(report.appended == 4)
        #expect(report.folders[0].failedMessages.first?.contains("does not match its catalog hash") == true)
    }

    /// A Gmail-like account: every message in "[Gmail]/All Mail" too, some also in INBOX, Work or Sent Mail
    /// (labels), m3 in All Mail only (archived). Each policy puts each message where it says, and verify agrees.
    @Test(arguments: [LabelPolicy.skipAllMail, .first, .copy])
    func gmailLabelsPolicy(_ policy: LabelPolicy) async throws {
        let fixture = try await ReplayFixture.make()
        var generator = CorpusGenerator(seed: 17)
        let m = (0..<5).map { _ in generator.message(ofSize: 2_000) }
        let folders: [String: [Int]] = [
            "INBOX": [1, 4], "Work": [2, 4], "[Gmail]/Sent Mail": [0], "[Gmail]/All Mail": [0, 1, 2, 3, 4],
        ]
        for (folder, indices) in folders {
            try fixture.source.deliver(user: "alice", folder: folder, messages: indices.map { m[$0] })
        }
        try await fixture.backUp()
        var options = ReplayOptions()
        options.labels = policy
        let report = try await fixture.restore(options)
        #expect(report.outcome == .success)
        let expected: [String: [Int]] =
            switch policy {
            case .copy: folders
            case .skipAllMail: ["INBOX": [1, 4], "Work": [2, 4], "[Gmail]/Sent Mail": [0], "[Gmail]/All Mail": [3]]
            case .first: ["INBOX": [1, 4], "Work": [2], "[Gmail]/Sent Mail": [0], "[Gmail]/All Mail": [3]]
            }
        let bob = try await fixture.bobState()
        let hashes = m.map { SHA256Hasher.hash($0.servedBytes).hex }
        #expect(
            bob.filter { !$0.value.isEmpty }.mapValues { Set($0.values.map(\.sha256)) }
                == expected.mapValues { Set($0.map { hashes[$0] }) })
        #expect(bob.messageCount == expected.values.reduce(0) { $0 + $1.count })
        let allMail = try #require(report.folders.first { $0.destination == "[Gmail]/All Mail" })
        #expect(allMail.elsewhere == (policy == .copy ? 0 : 4))
        // verify expects what the policy put there: nothing missing, nothing extra.
        let verified = try await VerifyJob(
            directory: fixture.backup.directory.path, destination: fixture.bob, options: options
        )
        .run(logger: quietLogger)
        #expect(verified.folders.allSatisfy { $0.missing.isEmpty && $0.extra == 0 }, "\(verified.folders)")
        let again = try await fixture.restore(options)
        #expect(again.appended == 0)
    }

    /// A phrase in `search`: the index finds messages with both words, the text decides which hold them in order.
    @Test func aSearchPhraseRestoresOnlyMessagesWithThePhrase() async throws {
        let fixture = try await ReplayFixture.make()
        let date = Date(timeIntervalSince1970: 1_690_000_000)
        let texts = [
            ("Figures", "Here is the quarterly report for Q3."),
            ("Quarterly report attached", "See the attachment."),
            ("Report", "The report is not quarterly this time."),
            ("Other", "Nothing to see."),
        ]
        let messages = texts.enumerated().map { index, text in
            CorpusMessage(
                "From: boss@example.org\r\nSubject: \(text.0)\r\nMessage-ID: <p\(index)@example.org>\r\n\r\n\(text.1)\r\n",
                internalDate: date)
        }
        try fixture.source.deliver(user: "alice", folder: "INBOX", messages: messages)
        try await fixture.backUp()
        var options = ReplayOptions()
        options.filter.search = "\"quarterly report\""
        let report = try await fixture.restore(options)
        #expect(report.outcome == .success)
        #expect(report.appended == 2 && report.filteredOut == 2)
        let bob = try await fixture.bobState()
        let expected = Set([0, 1].map { SHA256Hasher.hash(messages[$0].servedBytes).hex })
        #expect(Set(bob["INBOX"]?.values.map(\.sha256) ?? []) == expected)
    }
}
