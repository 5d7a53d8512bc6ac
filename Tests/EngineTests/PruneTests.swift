import Catalog
import Foundation
import GRDB
import TestSupport
import Testing

@testable import Engine

/// `prune_gone_after_days`: mail gone from the server leaves the backup only after the days asked,
/// with its files and search-index rows, and nothing else goes with it.
@Suite struct PruneTests {
    static let day: Int64 = 86_400
    static let start: Int64 = 1_800_000_000

    static func message(_ word: String, _ index: Int) -> CorpusMessage {
        CorpusMessage(
            """
            From: Sender \(index) <sender\(index)@example.org>
            To: alice@example.org
            Subject: \(word) report \(index)
            Message-ID: <\(word)-\(index)@example.org>
            Date: Mon, 2 Mar 2026 10:00:00 +0000

            Body of the \(word) message number \(index).

            """, internalDate: Date(timeIntervalSince1970: 1_772_445_600 + Double(index)))
    }

    /// mbox files keep pruned entries' bytes (an entry is not cut out of a file): the report says how many.
    @Test(arguments: [["maildir"], ["maildir", "mbox"], ["mbox"]])
    func goneMailIsPrunedOnlyAfterTheDaysAsked(formats: [String]) async throws {
        let fixture = try await BackupFixture.make()
        fixture.job.formats = formats
        let maildir = formats.contains("maildir")
        let mbox = formats.contains("mbox")
        let server = fixture.server
        let inbox = (0..<5).map { Self.message("inboxword", $0) }
        try server.deliver(user: "alice", folder: "INBOX", messages: inbox)
        // The same bytes in Archive: expunged from INBOX, the message stays in the backup.
        try server.deliver(user: "alice", folder: "Archive", messages: [inbox[1]])
        try server.deliver(user: "alice", folder: "Old", messages: (0..<3).map { Self.message("oldword", $0) })
        fixture.job.pruneGoneAfterDays = 30

        var now = Self.start
        _ = try await fixture.backup(clock: { [now] in now })
        let filesBefore = Set(fixture.maildirFiles())
        #expect(filesBefore.count == (maildir ? 9 : 0))

        // INBOX UIDs 1 and 2 (inbox[0], inbox[1]) expunged; the folder Old deleted.
        try server.doveadm(["expunge", "-u", "alice", "mailbox", "INBOX", "uid", "1:2"])
        try server.deleteFolder(user: "alice", name: "Old")
        now += Self.day
        let noticed = try await fixture.backup(clock: { [now] in now })
        #expect(noticed.gone == 2)
        #expect(noticed.pruned?.placements == 0)

        now += 29 * Self.day
        let early = try await fixture.backup(clock: { [now] in now })
        #expect(early.pruned == PruneReport(), "gone 29 days: nothing pruned")
        #expect(Set(fixture.maildirFiles()) == filesBefore)

        now += Self.day
        let report = try await fixture.backup(clock: { [now] in now })
        let pruned = try #require(report.pruned)
        #expect(report.outcome == .success)
        #expect(pruned.placements == 5 && pruned.messages == 4 && pruned.folders == 1)
        #expect(pruned.filesRemoved == (maildir ? 5 : 0) && pruned.mboxEntriesKept == (mbox ? 5 : 0))
        #expect(pruned.error == nil && pruned.unreadable.isEmpty)
        #expect(Set(fixture.maildirFiles()).count == (maildir ? 4 : 0))

        let catalog = try fixture.catalog()
        let (folders, messages, placements, oldMatches, inboxMatches, integrity) = try await catalog.pool.read { db in
            (
                try String.fetchAll(db, sql: "SELECT name FROM folders ORDER BY name"),
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM messages") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM placements") ?? 0,
                try Int64.fetchAll(db, sql: "SELECT rowid FROM message_text WHERE message_text MATCH 'oldword'"),
                try Int64.fetchAll(db, sql: "SELECT rowid FROM message_text WHERE message_text MATCH 'inboxword'"),
                try Row.fetchAll(db, sql: "PRAGMA integrity_check").map { $0[0] as String }
            )
        }
        #expect(folders == ["Archive", "INBOX"])
        #expect(messages == 4 && placements == 4)
        #expect(oldMatches.isEmpty, "the search index still finds pruned mail")
        #expect(inboxMatches.count == 4, "inbox[1] stays (Archive has it), inbox[2...4] are live")
        #expect(integrity == ["ok"])
        try await catalog.pool.write { db in
            try db.execute(sql: "INSERT INTO message_text(message_text) VALUES ('integrity-check')")
        }
        // What is live is untouched.
        let live = try await fixture.serverState().filter { !$0.value.isEmpty }
        if maildir { #expect(try fixture.backupState() == live) }
        if mbox { #expect(try fixture.mboxState() == live) }

        // Pruning again finds nothing; the next backup is a no-change run.
        now += Self.day
        let again = try await fixture.backup(clock: { [now] in now })
        #expect(again.pruned == PruneReport() && again.newMessages == 0)
    }

    /// A run stopped after any one of its writes while pruning, then run again, ends exactly where
    /// a clean run does; the catalog never names a file that is not there.
    @Test func pruningSurvivesACrashAfterEveryWrite() async throws {
        let fixture = try await BackupFixture.make()
        fixture.job.formats = ["maildir", "mbox"]
        fixture.job.pruneGoneAfterDays = 30
        let server = fixture.server
        let inbox = (0..<4).map { Self.message("inboxword", $0) }
        try server.deliver(user: "alice", folder: "INBOX", messages: inbox)
        try server.deliver(user: "alice", folder: "Archive", messages: [inbox[1]])
        try server.deliver(user: "alice", folder: "Old", messages: (0..<2).map { Self.message("oldword", $0) })
        let scratch = try Scratch()
        let base = try scratch.directory(copying: nil)
        _ = try await run(fixture, into: base, at: Self.start, journal: nil)
        try server.doveadm(["expunge", "-u", "alice", "mailbox", "INBOX", "uid", "1:2"])
        try server.deleteFolder(user: "alice", name: "Old")
        _ = try await run(fixture, into: base, at: Self.start + Self.day, journal: nil)

        let later = Self.start + 40 * Self.day
        let clean = try scratch.directory(copying: base)
        let counted = WriteJournal()
        let report = try await run(fixture, into: clean, at: later, journal: counted)
        #expect(report.pruned?.messages == 3 && report.pruned?.filesRemoved == 4)
        let steps = counted.steps
        #expect(steps.contains(.removeName))
        let expected = try BackupSnapshot(directory: clean)
        for k in 0..<steps.count {
            let directory = try scratch.directory(copying: base)
            let journal = WriteJournal(limit: k)
            _ = try? await run(fixture, into: directory, at: later, journal: journal)
            let context = "crash after \(k) of \(steps.count) writes, before \(steps[k].rawValue)"
            #expect(journal.hasCrashed, "\(context): the run did not stop")
            let crashed = try BackupSnapshot(directory: directory)
            #expect(crashed.broken.isEmpty, "\(context): \(crashed.broken)")
            _ = try await run(fixture, into: directory, at: later, journal: nil)
            let difference = try BackupSnapshot(directory: directory).difference(from: expected)
            #expect(difference.isEmpty, "\(context):\n\(difference)")
            try scratch.remove(directory)
        }
    }

    func run(_ fixture: BackupFixture, into directory: String, at now: Int64, journal: WriteJournal?) async throws
        -> BackupReport
    {
        var config = fixture.job
        config.into = directory
        var job = try BackupJob(job: config, account: fixture.account, clock: { now })
        job.journal = journal
        return try await job.run(logger: quietLogger)
    }

    @Test(arguments: [
        ("prune_gone_after_days = 0", "must be at least 1"),
        ("prune_gone_after_days = \"30\"", "prune_gone_after_days"),
    ])
    func badValuesAreConfigErrors(_ line: String, _ message: String) throws {
        let text = BackupFixture.jobFileText(jobLine: line)
        #expect {
            _ = try JobFile.parse(text, path: "/tmp/jobs.toml")
        } throws: { error in
            "\(error)".contains(message) && "\(error)".contains("jobs.toml:10")
        }
    }

    @Test func aPOP3AccountThatDeletesFromTheServerCannotPrune() throws {
        let text = """
            [accounts.isp]
            protocol = "pop3"
            host = "pop.example.org"
            user = "a"
            password_env = "X"
            keep_on_server = false

            [[jobs]]
            name = "n"
            backup = "isp"
            into = "/tmp/x"
            prune_gone_after_days = 30
            """
        #expect {
            _ = try JobFile.parse(text, path: "/tmp/jobs.toml")
        } throws: { error in
            "\(error)".contains("its only copy")
        }
    }
}
