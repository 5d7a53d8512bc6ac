import Catalog
import Engine
import Foundation
import TestSupport
import Testing

/// mailferry killed with SIGKILL in the middle of a POP3 run that deletes what it saved, then run
/// again: nothing lost, nothing twice, and the server emptied only once all is saved.
@Suite(.serialized) struct POP3CrashTests {
    func jobFile(_ fixture: BackupFixture) throws -> String {
        try fixture.writeJobFile(
            account: """
                [accounts.alice]
                protocol = "pop3"
                host = "localhost"
                port = \(fixture.server.pop3sPort)
                user = "alice"
                password_env = "MAILFERRY_CRASH_PASSWORD"
                ca_file = "\(fixture.server.caCertificatePath)"
                keep_on_server = false

                """)
    }

    @Test func killedMidRunThenRerun() async throws {
        let fixture = try await BackupFixture.pop3()
        var generator = CorpusGenerator(seed: 31)
        try fixture.server.deliver(
            user: "alice", folder: "INBOX", messages: (0..<2000).map { generator.message(ofSize: 4_000 + $0 % 9_000) })
        let server = try await fixture.pop3ServerHashes()
        let path = try jobFile(fixture)
        let environment = ["MAILFERRY_CRASH_PASSWORD": "alice-pass"]

        let process = try MailFerryCLI.start(["run", path, "--quiet"], environment: environment)
        // Watched from a thread of its own: a test pool starved by other suites would see the run end first.
        let pid = process.processIdentifier
        let root = fixture.directory.appendingPathComponent("maildir").path
        let killedMidway = try await offPool {
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline {
                let stored = FileManager.default.enumerator(atPath: root)?.allObjects.count ?? 0
                if stored >= 500 { return kill(pid, SIGKILL) == 0 }
                usleep(2_000)
            }
            return false
        }
        kill(pid, SIGKILL)
        process.waitUntilExit()
        #expect(killedMidway, "the run ended before it could be killed")
        #expect(try fixture.serverCount() == 2000, "a killed run never reached QUIT: nothing may be deleted")

        let rerun = try await MailFerryCLI.running(["run", path], environment: environment)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(try fixture.serverCount() == 0)
        #expect(try fixture.pop3Archive().all == server)
        let files = fixture.maildirFiles()
        #expect(files.filter { $0.contains("/tmp/") }.isEmpty)
        #expect(files.count == 2000, "files in the Maildir: \(files.count)")
        #expect(try fixture.catalog().stats().messages == 2000)
    }

    /// A server whose LIST size lies (10 octets, then megabytes): one clear line naming the
    /// account, exit status 5, nothing stored, nothing deleted.
    @Test func lyingServerGetsAClearError() async throws {
        let flood = String(repeating: "x", count: 998) + "\r\n"
        let server = try ScriptedIMAPServer(script: [
            .send("+OK ready\r\n"), .readLine, .send("+OK\r\nUSER\r\nUIDL\r\n.\r\n"), .readLine, .send("+OK\r\n"),
            .readLine, .send("+OK\r\n"), .readLine, .send("+OK\r\nUSER\r\nUIDL\r\n.\r\n"),
            .readLine, .send("+OK\r\n1 10\r\n.\r\n"), .readLine, .send("+OK\r\n1 abc\r\n.\r\n"),
            .readLine, .send("+OK\r\n" + String(repeating: flood, count: 2_000)), .hang,
        ])
        defer { server.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("liar-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("jobs.toml").path
        try Data(
            """
            [accounts.liar]
            protocol = "pop3"
            host = "127.0.0.1"
            port = \(server.port)
            tls = "none"
            user = "alice"
            password_env = "MAILFERRY_LIAR_PASSWORD"
            keep_on_server = false

            [[jobs]]
            name = "j"
            backup = "liar"
            into = "\(directory.path)/backup"
            """.utf8
        ).write(to: URL(fileURLWithPath: path))
        let result = try await MailFerryCLI.running(["run", path, "--quiet"], environment: ["MAILFERRY_LIAR_PASSWORD": "pw"])
        #expect(result.status == 5, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n").filter { $0.contains("liar") }
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(lines.first?.contains("RETR 1") == true)
        #expect(lines.first?.contains("nothing was deleted") == true)
        #expect(!server.transcripts[0].contains { $0.hasPrefix("DELE") || $0 == "QUIT" })
        let stored = FileManager.default.enumerator(atPath: directory.path + "/backup/maildir")?.allObjects
            .compactMap { $0 as? String }.filter { $0.contains("/cur/") || $0.contains("/tmp/") }
        #expect(stored?.isEmpty ?? true)
    }
}
