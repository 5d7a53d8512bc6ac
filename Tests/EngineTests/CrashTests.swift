import Catalog
import Engine
import Foundation
import TestSupport
import Testing

/// A run killed with SIGKILL in the middle, then run again: nothing missing, nothing twice.
@Suite(.serialized) struct CrashTests {
    /// `count` generated messages, made one at a time as they are delivered: thousands are never
    /// held in the test process, whose resident memory another test measures while these run.
    static func corpus(seed: UInt64, count: Int, size: @escaping (Int) -> Int) -> some Sequence<CorpusMessage> {
        sequence(state: (generator: CorpusGenerator(seed: seed), index: 0)) { state -> CorpusMessage? in
            guard state.index < count else { return nil }
            defer { state.index += 1 }
            return state.generator.message(ofSize: size(state.index))
        }
    }

    func jobFile(_ fixture: BackupFixture, formats: [String] = ["maildir"]) throws -> String {
        try fixture.writeJobFile(account: fixture.accountTable(passwordEnv: "MAILFERRY_CRASH_PASSWORD"), formats: formats)
    }

    @Test func killedMidRunThenRerun() async throws {
        let fixture = try await BackupFixture.make()
        try fixture.server.deliver(
            user: "alice", folder: "INBOX", messages: Self.corpus(seed: 11, count: 2500) { 4_000 + $0 % 9_000 })
        try fixture.server.createFolder(user: "alice", name: "Archive/2023")
        try fixture.server.deliver(
            user: "alice", folder: "Archive/2023", messages: Self.corpus(seed: 13, count: 400) { 6_000 + $0 % 3_000 })
        let total = 2900
        let path = try jobFile(fixture)
        let environment = ["MAILFERRY_CRASH_PASSWORD": "alice-pass"]

        let process = try MailFerryCLI.start(["run", path, "--quiet"], environment: environment)
        // Watched from a thread of its own: a test pool starved by other suites would see the run
        // end before it looked.
        let pid = process.processIdentifier
        let watched = fixture.directory.path + "/maildir/alice/INBOX/cur"
        let killedMidway = try await offPool {
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline {
                let stored = (try? FileManager.default.contentsOfDirectory(atPath: watched).count) ?? 0
                if stored >= 100 { return kill(pid, SIGKILL) == 0 }
                usleep(2_000)
            }
            return false
        }
        kill(pid, SIGKILL)
        process.waitUntilExit()
        #expect(killedMidway, "the run ended before it could be killed")
        let partial = fixture.maildirFiles().filter { $0.contains("/cur/") }.count
        #expect(partial < total)

        let rerun = try await MailFerryCLI.running(["run", path], environment: environment)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let server = try await fixture.serverState()
        #expect(try fixture.backupState() == server.filter { !$0.value.isEmpty })
        let files = fixture.maildirFiles()
        #expect(files.filter { $0.contains("/tmp/") }.isEmpty)
        #expect(files.count == total, "files in the Maildir: \(files.count), messages: \(total)")

        // Python's mailbox module reads what was written.
        let inbox = fixture.directory.path + "/maildir/alice/INBOX"
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", "-c", "import mailbox,sys; print(len(mailbox.Maildir(sys.argv[1], create=False)))", inbox]
        let pipe = Pipe()
        check.standardOutput = pipe
        try check.run()
        let count = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        #expect(count.trimmingCharacters(in: .whitespacesAndNewlines) == "2500")

        let third = try await MailFerryCLI.running(["run", path, "--json"], environment: environment)
        #expect(third.status == 0)
        #expect(third.stdout.contains("\"event\":\"report\""))
    }

    /// Killed while appending to an mbox (no Maildir to adopt from): the next run cuts the torn
    /// tail, fetches what was not recorded, and every message is in its mbox exactly once.
    @Test func killedMidMboxAppendThenRerun() async throws {
        let fixture = try await BackupFixture.make()
        try fixture.server.deliver(
            user: "alice", folder: "INBOX", messages: Self.corpus(seed: 12, count: 2500) { 4_000 + $0 % 9_000 })
        let path = try jobFile(fixture, formats: ["mbox"])
        let environment = ["MAILFERRY_CRASH_PASSWORD": "alice-pass"]
        let inbox = fixture.directory.path + "/mbox/alice/INBOX.mbox"

        let process = try MailFerryCLI.start(["run", path, "--quiet"], environment: environment)
        // Watched from a thread of its own, as above: a starved test pool once looked too late.
        let pid = process.processIdentifier
        let killedMidway = try await offPool {
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline {
                let size = (try? FileManager.default.attributesOfItem(atPath: inbox)[.size] as? Int) ?? 0
                if size >= 6_000_000 { return kill(pid, SIGKILL) == 0 }
                usleep(2_000)
            }
            return false
        }
        kill(pid, SIGKILL)
        process.waitUntilExit()
        #expect(killedMidway, "the run ended before it could be killed")

        let rerun = try await MailFerryCLI.running(["run", path], environment: environment)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let server = try await fixture.serverState()
        #expect(try fixture.mboxState() == server.filter { !$0.value.isEmpty })
        let recorded = try fixture.mboxEntryDigests("alice/INBOX.mbox")
        #expect(recorded.count == 2500)
        let read = try MboxReaders.pythonDigests(inbox)
        #expect(read.count == 2500, "nothing lost, nothing twice")
        #expect(zip(recorded, read).allSatisfy { $0 == $1.whole || $0 == $1.withoutLastLineEnd })
    }
}
