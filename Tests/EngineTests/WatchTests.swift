import Engine
import Foundation
import TestSupport
import Testing

/// `mailferry watch`: new mail is archived as it arrives (IMAP IDLE), the other folders are polled,
/// a dropped connection is made again, and SIGTERM / SIGINT stop it cleanly.
@Suite(.serialized) struct WatchTests {
    static let environment = ["MAILFERRY_WATCH_PASSWORD": "alice-pass"]

    func jobFile(_ fixture: BackupFixture, extra: String, accountExtra: String = "") throws -> String {
        let path = try fixture.writeJobFile(
            account: fixture.accountTable(passwordEnv: "MAILFERRY_WATCH_PASSWORD") + accountExtra + "\n")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("\n\(extra)\n".utf8))
        try handle.close()
        return path
    }

    /// Waits (off the test pool) until the backup's Maildir holds `count` messages in `folder`.
    func waitForFiles(_ fixture: BackupFixture, folder: String, count: Int) async throws -> Bool {
        let cur = fixture.directory.path + "/maildir/alice/" + folder + "/cur"
        return try await offPool {
            let deadline = Date().addingTimeInterval(90)
            while Date() < deadline {
                if ((try? FileManager.default.contentsOfDirectory(atPath: cur).count) ?? 0) >= count { return true }
                usleep(20_000)
            }
            return false
        }
    }

    func waitForExit(_ process: Process) async throws -> Int32? {
        try await offPool {
            let deadline = Date().addingTimeInterval(60)
            while process.isRunning, Date() < deadline { usleep(20_000) }
            guard !process.isRunning else { return nil }
            return process.terminationStatus
        }
    }

    @Test func idleArchivesNewMailSurvivesADropAndARestartAndStopsOnSIGTERM() async throws {
        let fixture = try await BackupFixture.make()
        var generator = CorpusGenerator(seed: 71)
        try fixture.server.deliver(user: "alice", folder: "INBOX", messages: (0..<3).map { _ in generator.message(ofSize: 2_000) })
        // An hour between polls: only IDLE can bring the new mail in during the test.
        let path = try jobFile(fixture, extra: "poll = \"1h\"\nevery = \"2h\"")
        let process = try MailFerryCLI.start(["watch", path, "--quiet"], environment: Self.environment)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        #expect(try await waitForFiles(fixture, folder: "INBOX", count: 3), "the first pass did not run")
        try fixture.server.deliver(user: "alice", folder: "INBOX", messages: [generator.message(ofSize: 3_000)])
        #expect(try await waitForFiles(fixture, folder: "INBOX", count: 4), "IDLE did not bring the new message in")

        // The server drops every connection: the watch connects again and carries on.
        _ = try fixture.server.doveadm(["kick", "alice"])
        try fixture.server.deliver(user: "alice", folder: "INBOX", messages: [generator.message(ofSize: 3_500)])
        #expect(try await waitForFiles(fixture, folder: "INBOX", count: 5), "no pass after the connection was dropped")

        // The server restarts, away for two seconds: the watch waits, connects again and carries on.
        let server = fixture.server
        try await offPool { try server.restart(downSeconds: 2) }
        try fixture.server.deliver(user: "alice", folder: "INBOX", messages: [generator.message(ofSize: 2_500)])
        #expect(try await waitForFiles(fixture, folder: "INBOX", count: 6), "no pass after the server restarted")

        kill(process.processIdentifier, SIGTERM)
        let status = try await waitForExit(process)
        #expect(status == 0, "SIGTERM: the watch did not stop cleanly")

        // The lock is free and the backup matches the server.
        let run = try await MailFerryCLI.running(["run", path, "--quiet"], environment: Self.environment)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try fixture.backupState() == (try await fixture.serverState()).filter { !$0.value.isEmpty })
    }

    /// With one connection allowed per server, the IDLE connection (not counted) does not keep the
    /// passes waiting.
    @Test func otherFoldersArePolledAndSIGINTStops() async throws {
        let fixture = try await BackupFixture.make()
        var generator = CorpusGenerator(seed: 72)
        try fixture.server.deliver(user: "alice", folder: "Lists", messages: [generator.message(ofSize: 1_500)])
        let path = try jobFile(fixture, extra: "", accountExtra: "max_connections = 1")
        let process = try MailFerryCLI.start(["watch", path, "--poll", "1", "--quiet"], environment: Self.environment)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        #expect(try await waitForFiles(fixture, folder: "Lists", count: 1))
        try fixture.server.deliver(user: "alice", folder: "Lists", messages: [generator.message(ofSize: 1_700)])
        #expect(try await waitForFiles(fixture, folder: "Lists", count: 2), "the poll did not bring the new message in")

        kill(process.processIdentifier, SIGINT)
        #expect(try await waitForExit(process) == 0)
    }

    @Test func aWrongPasswordEndsTheWatchWithTheAuthenticationStatus() async throws {
        let fixture = try await BackupFixture.make()
        let path = try jobFile(fixture, extra: "")
        let result = try await MailFerryCLI.running(
            ["watch", path, "--quiet"], environment: ["MAILFERRY_WATCH_PASSWORD": "wrong"])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("alice"))
        #expect(!result.stderr.contains("wrong"))
    }

    @Test(arguments: [("poll = \"5x\"", "poll"), ("every = 0", "every")])
    func badDurationsAreConfigErrors(_ line: String, _ key: String) throws {
        let text = BackupFixture.jobFileText(jobLine: line)
        #expect {
            _ = try JobFile.parse(text, path: "/tmp/jobs.toml")
        } throws: { error in
            "\(error)".contains("jobs.toml:10") && "\(error)".contains(key) && "\(error)".contains("duration")
        }
    }
}
