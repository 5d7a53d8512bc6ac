import Archives
import Catalog
import Engine
import Foundation
import GRDB
import MailCore
import TestSupport
import Testing

/// Backups into mboxrd files against a real Dovecot: every message comes back byte-exact from its
/// entry, Python's mailbox module and mutt read every file, torn tails are cut off.
@Suite(.serialized) struct MboxBackupTests {
    /// Messages an mbox has trouble with: From lines in the body, quoted ones, no final line end,
    /// bare LF (served as CRLF) and CRLF, a Return-Path for the envelope sender, a bounce.
    static func awkwardMessages() -> [CorpusMessage] {
        let date = Date(timeIntervalSince1970: 1_704_207_845)
        return [
            CorpusMessage(
                "Return-Path: <bounce+alice@lists.example.org>\r\nFrom: List <list@example.org>\r\nSubject: From lines\r\n"
                    + "\r\nFrom the start of a line\r\n>From quoted once\r\n>>From quoted twice\r\nFrom\r\n", internalDate: date),
            CorpusMessage(
                "From: Bob <bob@example.org>\nSubject: bare LF\n\nFrom here\n>From there\n\n>>>From far away\n",
                internalDate: date.addingTimeInterval(60)),
            CorpusMessage(
                "From: carol@example.org\r\nSubject: no final line end\r\n\r\nThe last line\r\nFrom the end",
                internalDate: date.addingTimeInterval(120)),
            CorpusMessage(
                "Return-Path: <>\r\nFrom: Mail Delivery System <mailer-daemon@example.org>\r\nSubject: bounce\r\n\r\n"
                    + "From MAILER-DAEMON Tue Jan  2 15:04:05 2024\r\n\r\n\r\n", internalDate: date.addingTimeInterval(180)),
        ]
    }

    static func load(_ fixture: BackupFixture) throws {
        try fixture.server.deliver(user: "alice", folder: "INBOX", messages: awkwardMessages())
        var generator = CorpusGenerator(seed: 21)
        try fixture.server.deliver(
            user: "alice", folder: "Lists/swift",
            messages: awkwardMessages() + (0..<40).map { generator.message(ofSize: 2_000 + $0 * 97) })
        try fixture.server.deliver(
            user: "alice", folder: "Archive", messages: [generator.withAttachment(attachmentSize: 300_000)])
    }

    /// Python and mutt split each mbox into the messages the catalog says it holds, in order.
    static func expectReadersAgree(_ fixture: BackupFixture) throws {
        let contents = try fixture.mboxContents()
        #expect(fixture.mboxFiles() == contents.keys.sorted())
        for (path, messages) in contents {
            let file = fixture.directory.path + "/mbox/" + path
            #expect(try MboxReaders.python(file) == messages.map(MboxReaders.asRead), "\(path)")
            if MboxReaders.hasMutt {
                let mutt = try MboxReaders.mutt(file, expecting: messages.count)
                #expect(mutt.map(MboxReaders.muttComparable) == messages.map { MboxReaders.muttComparable(MboxReaders.asRead($0)) })
            }
        }
    }

    @Test(arguments: [["maildir", "mbox"], ["mbox"]])
    func everyMessageComesBackByteExactFromItsMbox(formats: [String]) async throws {
        let fixture = try await BackupFixture.make()
        fixture.job.formats = formats
        try Self.load(fixture)
        let first = try await fixture.backup()
        #expect(first.outcome == .success, "\(first.folders.compactMap(\.error))")
        let server = try await fixture.serverState().filter { !$0.value.isEmpty }
        #expect(try fixture.mboxState() == server)
        if formats.contains("maildir") {
            #expect(try fixture.backupState() == server)
        } else {
            #expect(!FileManager.default.fileExists(atPath: fixture.directory.path + "/maildir"))
            let staged = FileManager.default.enumerator(atPath: fixture.directory.path + "/.staging")?.allObjects as? [String] ?? []
            #expect(staged.filter { $0.contains("/tmp/") }.isEmpty)
        }
        #expect(fixture.mboxFiles() == ["alice/Archive.mbox", "alice/INBOX.mbox", "alice/Lists/swift.mbox"])
        try Self.expectReadersAgree(fixture)

        // The envelope sender: the Return-Path, the From address, MAILER-DAEMON for a bounce.
        let inbox = try String(decoding: Data(contentsOf: fixture.directory.appendingPathComponent("mbox/alice/INBOX.mbox")), as: UTF8.self)
        let fromLines = inbox.split(separator: "\n").filter { $0.hasPrefix("From ") }
        #expect(
            fromLines.map { $0.split(separator: " ")[1] }
                == ["bounce+alice@lists.example.org", "bob@example.org", "carol@example.org", "MAILER-DAEMON"])
        #expect(fromLines.first?.hasSuffix(" Tue Jan  2 15:04:05 2024") == true)

        // A re-run adds nothing.
        let sizes = fixture.mboxFiles().map { try? FileManager.default.attributesOfItem(atPath: fixture.directory.path + "/mbox/" + $0)[.size] as? Int }
        let again = try await fixture.backup()
        #expect(again.newMessages == 0)
        #expect(fixture.mboxFiles().map { try? FileManager.default.attributesOfItem(atPath: fixture.directory.path + "/mbox/" + $0)[.size] as? Int } == sizes)
    }

    @Test func aTornTailIsCutOffAndNothingIsLostOrDoubled() async throws {
        let fixture = try await BackupFixture.make()
        fixture.job.formats = ["mbox"]
        try Self.load(fixture)
        _ = try await fixture.backup()
        let inbox = fixture.directory.appendingPathComponent("mbox/alice/INBOX.mbox")
        let recorded = try Data(contentsOf: inbox)

        // A run killed in the middle of an append: half an entry beyond what the catalog knows, and new mail.
        try (recorded + recorded.prefix(recorded.count / 3)).write(to: inbox)
        var generator = CorpusGenerator(seed: 5)
        try fixture.server.deliver(user: "alice", folder: "INBOX", messages: (0..<3).map { _ in generator.message(ofSize: 4_000) })
        let repaired = try await fixture.backup()
        #expect(repaired.outcome == .success)
        #expect(repaired.newMessages == 3)
        #expect(repaired.folders.first { $0.name == "INBOX" }?.notes.contains { $0.contains("cut off \(recorded.count / 3) bytes") } == true)
        let server = try await fixture.serverState().filter { !$0.value.isEmpty }
        #expect(try fixture.mboxState() == server)
        #expect(try MboxReaders.python(inbox.path).count == 7)
        try Self.expectReadersAgree(fixture)

        // Junk after the last entry in a folder the server did not change: cut off too.
        let before = try Data(contentsOf: inbox)
        try (before + Data("garbage without a From line\n\u{0}\u{1}".utf8)).write(to: inbox)
        let cleaned = try await fixture.backup()
        #expect(cleaned.newMessages == 0)
        #expect(try Data(contentsOf: inbox) == before)

        // A file shorter than the catalog records lost mail: left untouched, the folder fails clearly,
        // the other folders go on.
        let cut = before.prefix(before.count / 2)
        try cut.write(to: inbox)
        try fixture.server.deliver(user: "alice", folder: "Archive", messages: [generator.message(ofSize: 1_000)])
        let refused = try await fixture.backup()
        #expect(refused.outcome == .partial)
        let failure = try #require(refused.folders.first { $0.name == "INBOX" }?.error)
        #expect(failure.contains("INBOX.mbox") && failure.contains("missing"), "\(failure)")
        #expect(refused.folders.first { $0.name == "Archive" }?.newMessages == 1)
        #expect(try Data(contentsOf: inbox) == cut)
    }

    @Test func keepingMboxLaterCatchesUpFromTheMaildir() async throws {
        let fixture = try await BackupFixture.make()
        try Self.load(fixture)
        _ = try await fixture.backup()
        #expect(fixture.mboxFiles().isEmpty)
        fixture.job.formats = ["maildir", "mbox"]
        let report = try await fixture.backup()
        #expect(report.outcome == .success)
        #expect(report.newMessages == 0)
        #expect(report.folders.first { $0.name == "Lists/swift" }?.notes.contains { $0.contains("added 44 messages") } == true)
        let server = try await fixture.serverState().filter { !$0.value.isEmpty }
        #expect(try fixture.mboxState() == server)
        try Self.expectReadersAgree(fixture)
    }

    @Test func aCopyUnderANewUIDSharesItsEntry() async throws {
        let fixture = try await BackupFixture.make()
        fixture.job.formats = ["mbox"]
        try Self.load(fixture)
        _ = try await fixture.backup()
        let size = try FileManager.default.attributesOfItem(atPath: fixture.directory.path + "/mbox/alice/INBOX.mbox")[.size] as? Int
        // The same bytes again in INBOX: a second placement, one entry.
        try fixture.server.deliver(user: "alice", folder: "INBOX", messages: [Self.awkwardMessages()[1]])
        let report = try await fixture.backup()
        #expect(report.newMessages == 1)
        #expect(try FileManager.default.attributesOfItem(atPath: fixture.directory.path + "/mbox/alice/INBOX.mbox")[.size] as? Int == size)
        let server = try await fixture.serverState().filter { !$0.value.isEmpty }
        #expect(try fixture.mboxState() == server)
    }

    @Test func pop3IntoMboxOnly() async throws {
        let fixture = try await BackupFixture.pop3()
        fixture.job.formats = ["mbox"]
        try fixture.server.deliver(user: "alice", folder: "INBOX", messages: Self.awkwardMessages())
        let first = try await fixture.backup()
        #expect(first.outcome == .success, "\(first.folders.compactMap(\.error))")
        #expect(first.newMessages == 4)
        let again = try await fixture.backup()
        #expect(again.newMessages == 0, "a message saved in the mbox is not fetched again")
        let messages = try #require(try fixture.mboxContents()["alice/INBOX.mbox"])
        #expect(messages.map { SHA256Hasher.hash($0).hex }.sorted() == (try await fixture.pop3ServerHashes()))
        try Self.expectReadersAgree(fixture)
    }
}
