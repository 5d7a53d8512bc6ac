import Catalog
import Foundation
import IMAPClient
import IMAPCore
import MailCore
import TestSupport
import Testing

@testable import Engine

/// The isync loop of DESIGN.md: run, re-run and see nothing change; then, for every k, stop a run
/// after its k-th durable write, run again to the end, and see exactly the state of a clean run.
///
/// The stop is a `SimulatedCrash` from the run's `WriteJournal`: no write after the k-th happens,
/// and none of the cleanup a killed process would miss (its `tmp/` files stay).
@Suite(.serialized) struct CrashLoopTests {
    /// Every run sees the same time, so that times the catalog keeps cannot tell runs apart.
    static let clock: @Sendable () -> Int64 = { 1_800_000_000 }

    /// Every archive format: Maildir alone, Maildir with mbox beside it, mbox alone.
    @Test(arguments: [["maildir"], ["maildir", "mbox"], ["mbox"]])
    func imapBackupSurvivesACrashAfterEveryWrite(formats: [String]) async throws {
        let fixture = try await BackupFixture.make()
        fixture.job.formats = formats
        let server = fixture.server
        let scratch = try Scratch()
        var generator = CorpusGenerator(seed: 41)
        var inbox = (0..<19).map { _ in generator.message(ofSize: 1_500 + Int(generator.random.next() % 6_000)) }
        for index in inbox.indices { inbox[index].flags = generator.realisticFlags() }
        inbox.append(inbox[4])  // the same bytes twice in one folder
        let archive = (0..<8).map { _ in generator.message(ofSize: 2_500, flags: ["\\Seen"]) }
        var archive2024 = (0..<9).map { _ in generator.message(ofSize: 3_000, flags: ["\\Seen", "$Label1"]) }
        var copied = inbox[2]
        copied.flags = ["\\Flagged"]
        archive2024.append(copied)  // the same bytes in two folders
        let lists = (0..<10).map { index in
            generator.message(ofSize: 1_800, flags: index % 2 == 0 ? ["NonJunk", "$Forwarded"] : [])
        }
        let sent = (0..<8).map { _ in generator.message(ofSize: 1_200, flags: ["\\Seen", "\\Answered"]) }
        let old = (0..<4).map { _ in generator.message(ofSize: 900) }
        try server.deliver(user: "alice", folder: "INBOX", messages: inbox)
        try server.deliver(user: "alice", folder: "Archive", messages: archive)
        try server.deliver(user: "alice", folder: "Archive/2024", messages: archive2024)
        try server.deliver(user: "alice", folder: "Lists/Swift", messages: lists)
        try server.deliver(user: "alice", folder: "Sent", messages: sent)
        try server.deliver(user: "alice", folder: "Old", messages: old)
        #expect(inbox.count + archive.count + archive2024.count + lists.count + sent.count + old.count == 60)

        let first = try await loop(phase: "first backup", fixture: fixture, scratch: scratch, base: nil)

        // New mail (one with bytes already archived elsewhere), flag changes, an expunge, a folder
        // deleted and recreated (new UIDVALIDITY, the same mail again), a folder gone, a new one.
        var news = (0..<3).map { _ in generator.message(ofSize: 2_000) }
        news.append(archive[1])
        try server.deliver(user: "alice", folder: "INBOX", messages: news)
        try server.deliver(
            user: "alice", folder: "Lists/Swift", messages: (0..<2).map { _ in generator.message(ofSize: 1_500) })
        try server.doveadm(["flags", "add", "-u", "alice", "\\Flagged $Important", "mailbox", "INBOX", "uid", "1:3"])
        try server.doveadm(["flags", "remove", "-u", "alice", "\\Seen", "mailbox", "Archive", "uid", "1:*"])
        try server.doveadm(["expunge", "-u", "alice", "mailbox", "Sent", "uid", "2"])
        try server.deleteFolder(user: "alice", name: "Archive/2024")
        archive2024.append(generator.message(ofSize: 2_200))
        try server.deliver(user: "alice", folder: "Archive/2024", messages: archive2024)
        try server.deleteFolder(user: "alice", name: "Old")
        try server.deliver(
            user: "alice", folder: "Later", messages: (0..<2).map { _ in generator.message(ofSize: 1_000) })

        _ = try await loop(phase: "changes", fixture: fixture, scratch: scratch, base: first)
    }

    /// POP3 with `keep_on_server = false`: whatever write a run stops after, no message is lost or
    /// stored twice, and the server loses only messages whose bytes and row are committed.
    @Test func pop3BackupThatDeletesSurvivesACrashAfterEveryWrite() async throws {
        let fixture = try await BackupFixture.pop3(POP3Policy(keepOnServer: .never))
        let scratch = try Scratch()
        var generator = CorpusGenerator(seed: 43)
        var first = (0..<16).map { _ in generator.message(ofSize: 1_500 + Int(generator.random.next() % 5_000)) }
        first.append(first[3])  // the same bytes twice in the maildrop
        let firstDir = try await pop3Loop(
            phase: "first backup", fixture: fixture, scratch: scratch, base: nil, mail: first)
        // Later mail, one of them with bytes saved (and deleted from the server) before.
        var later = (0..<5).map { _ in generator.message(ofSize: 2_000) }
        later.append(first[7])
        _ = try await pop3Loop(phase: "later mail", fixture: fixture, scratch: scratch, base: firstDir, mail: later)
    }

    /// The maildrop is filled with `mail` afresh before every run (a finished run empties it).
    func pop3Loop(phase: String, fixture: BackupFixture, scratch: Scratch, base: String?, mail: [CorpusMessage])
        async throws -> String
    {
        func refill() throws {
            try fixture.server.doveadm(["expunge", "-u", "alice", "mailbox", "INBOX", "all"])
            try fixture.server.deliver(user: "alice", folder: "INBOX", messages: mail)
        }
        try refill()
        let served = try await fixture.pop3ServerHashes()
        let clean = try scratch.directory(copying: base)
        let steps = try await cleanRun(phase, fixture, into: clean)
        #expect(try fixture.serverCount() == 0, "\(phase): the clean run left mail on the server")
        #expect(steps.contains(.pop3Quit), "\(phase): \(steps)")
        let expected = try BackupSnapshot(directory: clean).ignoringServerCounts
        #expect(Set(served).isSubset(of: expected.messages))
        #expect(expected.placements.keys.filter { !$0.gone }.isEmpty, "\(phase): the server kept nothing")
        try await rerunChangesNothing(phase, fixture, clean, expected) { $0.ignoringServerCounts }

        for k in 0..<steps.count {
            try refill()
            let directory = try scratch.directory(copying: base)
            let (crashed, context) = try await crash(phase, fixture, into: directory, after: k, of: steps)
            // What left the server is in the archive, with its bytes.
            var remaining = try await fixture.pop3ServerHashes()
            var deleted: [String] = []
            for hash in served {
                if let index = remaining.firstIndex(of: hash) {
                    remaining.remove(at: index)
                } else {
                    deleted.append(hash)
                }
            }
            let archived = Set(crashed.placements.keys.map(\.sha256))
            #expect(deleted.allSatisfy(archived.contains), "\(context): deleted from the server but not archived")
            #expect(deleted.isEmpty || steps[..<k].contains(.pop3Quit), "\(context): deleted before QUIT")

            try await resume(context, fixture, directory, expected) { $0.ignoringServerCounts }
            #expect(try fixture.serverCount() == 0, "\(context): mail left on the server")
            try scratch.remove(directory)
        }
        return clean
    }

    /// A clean run into a copy of `base` (or nothing), a re-run that must change nothing, then one
    /// crash and resume per write of the clean run. Returns the clean run's directory.
    func loop(phase: String, fixture: BackupFixture, scratch: Scratch, base: String?) async throws -> String {
        let server = try await fixture.serverState().filter { !$0.value.isEmpty }
        let folders = try await serverFolders(fixture)

        let clean = try scratch.directory(copying: base)
        let steps = try await cleanRun(phase, fixture, into: clean)
        let expected = try BackupSnapshot(directory: clean)
        #expect(expected.live == server, "\(phase): the clean run does not match the server")
        if fixture.job.formats.contains("mbox") {
            #expect(expected.files.keys.contains { $0.hasPrefix("mbox ") }, "\(phase): no mbox file compared")
        }
        for folder in expected.folders where !folder.gone {
            let uids = folders[folder.name]?.uids ?? []
            #expect(folder.uidValidity == folders[folder.name]?.uidValidity, "\(phase): \(folder.name) UIDVALIDITY")
            #expect(folder.highestUID == uids.max() ?? 0, "\(phase): \(folder.name) high-water mark")
        }

        try await rerunChangesNothing(phase, fixture, clean, expected) { $0 }

        for k in 0..<steps.count {
            let directory = try scratch.directory(copying: base)
            let (crashed, context) = try await crash(phase, fixture, into: directory, after: k, of: steps)
            checkHighWater(crashed, folders: folders, context)
            try await resume(context, fixture, directory, expected) { $0 }
            try scratch.remove(directory)
        }
        return clean
    }

    /// A counted run to the end; the writes it made, in order.
    func cleanRun(_ phase: String, _ fixture: BackupFixture, into directory: String) async throws -> [WriteJournal.Step]
    {
        let counted = WriteJournal()
        let report = try await backup(fixture, into: directory, journal: counted)
        #expect(report.outcome == .success, "\(phase): \(report.folders.compactMap(\.error))")
        let snapshot = try BackupSnapshot(directory: directory)
        #expect(
            snapshot.broken.isEmpty && snapshot.unknown.isEmpty && snapshot.temporary.isEmpty,
            "\(phase): \(snapshot.broken)")
        return counted.steps
    }

    func rerunChangesNothing(
        _ phase: String, _ fixture: BackupFixture, _ directory: String, _ expected: BackupSnapshot,
        _ normalized: (BackupSnapshot) -> BackupSnapshot
    ) async throws {
        let rerun = try await backup(fixture, into: directory, journal: nil)
        #expect(
            rerun.newMessages == 0 && rerun.flagsChanged == 0 && rerun.gone == 0, "\(phase): a re-run changed something"
        )
        let unchanged = normalized(try BackupSnapshot(directory: directory)).difference(from: expected)
        #expect(unchanged.isEmpty, "\(phase): a re-run changed the backup:\n\(unchanged)")
    }

    /// A run stopped after `k` writes, as if the process died there; what it left, and where it stopped.
    func crash(
        _ phase: String, _ fixture: BackupFixture, into directory: String, after k: Int, of steps: [WriteJournal.Step]
    )
        async throws -> (BackupSnapshot, String)
    {
        let journal = WriteJournal(limit: k)
        do {
            _ = try await backup(fixture, into: directory, journal: journal)
        } catch let error as AccountError where error.underlying is SimulatedCrash {
        } catch is SimulatedCrash {
        }
        let context = "\(phase): crash after \(k) of \(steps.count) writes, before \(steps[k].rawValue)"
        #expect(journal.hasCrashed && journal.steps.count == k, "\(context): the run did not stop there")
        let crashed = try BackupSnapshot(directory: directory)
        // At every instant the catalog names files that are there, with their bytes.
        #expect(crashed.broken.isEmpty, "\(context): \(crashed.broken)")
        return (crashed, context)
    }

    /// A normal run after the crash ends in exactly the clean run's state.
    func resume(
        _ context: String, _ fixture: BackupFixture, _ directory: String, _ expected: BackupSnapshot,
        _ normalized: (BackupSnapshot) -> BackupSnapshot
    ) async throws {
        let resumed = try await backup(fixture, into: directory, journal: nil)
        #expect(resumed.outcome == .success, "\(context): \(resumed.folders.compactMap(\.error))")
        let difference = normalized(try BackupSnapshot(directory: directory)).difference(from: expected)
        #expect(difference.isEmpty, "\(context):\n\(difference)")
    }

    /// A high-water mark never passes a message the catalog lacks: every UID at or below it
    /// (in the same UIDVALIDITY) has its placement.
    func checkHighWater(_ snapshot: BackupSnapshot, folders: [String: ServerFolder], _ context: String) {
        let live = snapshot.live
        for folder in snapshot.folders where !folder.gone {
            guard let server = folders[folder.name], folder.uidValidity == server.uidValidity else { continue }
            let missing = server.uids.filter { $0 <= folder.highestUID && live[folder.name]?[UInt32($0)] == nil }
            #expect(
                missing.isEmpty,
                "\(context): \(folder.name) marks \(folder.highestUID) but lacks UIDs \(missing.sorted())")
        }
    }

    func backup(_ fixture: BackupFixture, into directory: String, journal: WriteJournal?) async throws -> BackupReport {
        // The plain port: two TLS handshakes per crash point would be half the loop's time.
        var account = fixture.account
        account.endpoint.tls = .none
        account.endpoint.port = account.mailProtocol == .pop3 ? fixture.server.pop3Port : fixture.server.imapPort
        var job = try BackupJob(
            job: JobConfig(name: "crash", backup: "alice", into: directory, formats: fixture.job.formats), account: account,
            clock: Self.clock)
        job.journal = journal
        return try await job.run(logger: quietLogger)
    }

    struct ServerFolder {
        var uidValidity: Int64
        var uids: Set<Int64>
    }

    func serverFolders(_ fixture: BackupFixture) async throws -> [String: ServerFolder] {
        try await fixture.session { session in
            var result: [String: ServerFolder] = [:]
            for mailbox in try await session.listMailboxes(status: []) where mailbox.isSelectable {
                let selected = try await session.open(mailbox.name)
                let uids = try await session.uidSearch("ALL").map(Int64.init)
                result[mailbox.name.description] = ServerFolder(
                    uidValidity: Int64(selected.uidValidity ?? 0), uids: Set(uids))
            }
            return result
        }
    }
}

/// Backup directories of one test, removed with it.
final class Scratch {
    let root: URL

    /// On a memory file system when there is one: the loop checks the order of writes, not the
    /// disk, and a hundred runs' worth of fsyncs on a shared disk take minutes.
    init() throws {
        let memory = URL(fileURLWithPath: "/dev/shm")
        let parent =
            FileManager.default.isWritableFile(atPath: memory.path) ? memory : FileManager.default.temporaryDirectory
        root = parent.appendingPathComponent("crashloop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: root)
    }

    /// A new backup directory: empty (not yet created), or a copy of `base` (hard links kept).
    func directory(copying base: String?) throws -> String {
        let path = root.appendingPathComponent(UUID().uuidString).path
        guard let base else { return path }
        let copy = Process()
        copy.executableURL = URL(fileURLWithPath: "/bin/cp")
        copy.arguments = ["-a", base, path]
        try copy.run()
        copy.waitUntilExit()
        guard copy.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        return path
    }

    func remove(_ path: String) throws {
        try FileManager.default.removeItem(atPath: path)
    }
}
