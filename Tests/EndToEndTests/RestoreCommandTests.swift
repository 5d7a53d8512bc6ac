import Catalog
import Foundation
import TestSupport
import Testing

/// `mailferry restore` and `verify` as a user runs them: back alice up, restore into bob.
@Suite(.serialized) struct RestoreCommandTests {
    struct Setup {
        let server: DovecotServer
        let jobs: JobDirectory
        var path: String
        let backup: String
        let env = ["MAILFERRY_TEST_PASSWORD": "alice-pass", "MAILFERRY_BOB_PASSWORD": "bob-pass"]

        init(_ server: DovecotServer) throws {
            self.server = server
            jobs = try JobDirectory()
            backup = jobs.url.appendingPathComponent("backup").path
            path = ""
            path = try write(
                """
                [[jobs]]
                name = "nightly"
                backup = "alice"
                into = "\(backup)"
                """)
        }

        /// A job file with accounts alice and bob and these jobs.
        func write(_ jobsText: String, name: String = "jobs.toml") throws -> String {
            try jobs.write(
                server.accountTOML(name: "alice")
                    + server.accountTOML(name: "bob", user: "bob", passwordEnv: "MAILFERRY_BOB_PASSWORD") + "\n" + jobsText,
                name: name)
        }

        func mailferry(_ arguments: [String]) async throws -> MailFerryCLI.Result {
            try await MailFerryCLI.running(arguments, environment: env)
        }

        func restore(_ extra: [String] = []) async throws -> MailFerryCLI.Result {
            try await mailferry(["restore", backup, "--config", path, "--to", "bob"] + extra)
        }

        /// How many messages a folder of bob's holds, as Dovecot counts them.
        func bobCount(_ folder: String) throws -> Int {
            let output = try server.doveadm(["-f", "flow", "mailbox", "status", "-u", "bob", "messages", "--", folder])
            return Int(output.split(separator: "=").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? -1
        }
    }

    @Test func dryRunRestoreRerunAndVerify() async throws {
        let server = try await DovecotServer.started()
        let setup = try Setup(server)
        defer { setup.jobs.remove() }
        var generator = CorpusGenerator(seed: 12)
        try server.deliver(
            user: "alice", folder: "INBOX", messages: (0..<20).map { _ in generator.message(ofSize: 2_500) })
        try server.deliver(
            user: "alice", folder: "Sent Items", messages: (0..<5).map { _ in generator.message(ofSize: 2_500) })
        try server.deliver(
            user: "alice", folder: "Archive/2023", messages: (0..<3).map { _ in generator.message(ofSize: 2_500) })
        #expect(try await setup.mailferry(["run", setup.path]).status == 0)

        let plan = try await setup.restore(["--dry-run", "--automap", "--map", "/^Archive/(\\d+)$/=Archives/$1"])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("dry run: nothing was changed"))
        #expect(plan.stdout.contains("Sent Items") && plan.stdout.contains("automap"))
        #expect(plan.stdout.contains("Archives/2023"))
        #expect(plan.stdout.contains("plan: 28 messages to append"))
        #expect(try setup.bobCount("INBOX") == 0)
        #expect(try !server.folderNames(user: "bob").contains("Archives/2023"))

        let run = try await setup.restore(["--automap", "--map", "/^Archive/(\\d+)$/=Archives/$1"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("success: 28 messages appended"))
        #expect(run.stderr.contains("INBOX: 20 appended"))
        #expect(
            try setup.bobCount("INBOX") == 20 && setup.bobCount("Sent") == 5 && setup.bobCount("Archives/2023") == 3)

        let again = try await setup.restore(["--automap", "--map", "/^Archive/(\\d+)$/=Archives/$1", "--json"])
        #expect(again.status == 0)
        let last = try #require(again.stdout.split(separator: "\n").last)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        let report = try #require(object["report"] as? [String: Any])
        #expect(object["event"] as? String == "report")
        #expect((report["folders"] as? [[String: Any]])?.allSatisfy { $0["appended"] as? Int == 0 } == true)

        // Both restores are runs of the backup directory, as backups are; the dry run left none.
        let runs = try await setup.mailferry(["runs", setup.backup])
        #expect(runs.status == 0)
        #expect(runs.stdout.components(separatedBy: "restore to bob").count == 3, "\(runs.stdout)")
        #expect(runs.stdout.contains("nightly"))
        let shown = try await setup.mailferry(["report", setup.backup])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(
            shown.stdout.contains("restore of alice into bob") && shown.stdout.contains("success: 0 messages appended"))
        let first = try await setup.mailferry(["report", setup.backup, "--run", "2", "--json"])
        #expect(first.stdout.contains("\"appended\" : 20"), "\(first.stdout)")
        try Self.expectReportsValid(in: setup.backup, count: 3)

        let verify = try await setup.mailferry([
            "verify", setup.backup, "--config", setup.path, "--to", "bob", "--automap", "--map",
            "/^Archive/(\\d+)$/=Archives/$1",
        ])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stdout.contains("complete: 28 expected, 28 present, 0 missing"))

        try server.doveadm(["expunge", "-u", "bob", "mailbox", "INBOX", "uid", "5"])
        let incomplete = try await setup.mailferry([
            "verify", setup.backup, "--config", setup.path, "--to", "bob", "--include", "INBOX",
        ])
        #expect(incomplete.status == 1)
        #expect(incomplete.stdout.contains("INCOMPLETE") && incomplete.stdout.contains("INBOX: missing:"))
        await server.stopped()
    }

    @Test func mistakesAreReportedWithTheirExitStatus() async throws {
        let server = try await DovecotServer.started()
        let setup = try Setup(server)
        defer { setup.jobs.remove() }
        var generator = CorpusGenerator(seed: 1)
        try server.deliver(user: "alice", folder: "INBOX", messages: [generator.plainText()])
        #expect(try await setup.mailferry(["run", setup.path]).status == 0)

        let unknown = try await setup.mailferry(["restore", setup.backup, "--config", setup.path, "--to", "carol"])
        #expect(unknown.status == 2 && unknown.stderr.contains("no account named \"carol\""))
        let badRule = try await setup.restore(["--map", "no-equals-sign"])
        #expect(badRule.status == 64)
        let badDate = try await setup.restore(["--since", "yesterday"])
        #expect(badDate.status == 2 && badDate.stderr.contains("filter since"))
        let badSearch = try await setup.restore(["--search", "?! --"])
        #expect(badSearch.status == 2 && badSearch.stderr.contains("filter search: \"?! --\" has no words"))
        let badRegex = try await setup.restore(["--map", "/(unclosed/=x"])
        #expect(badRegex.status == 2 && badRegex.stderr.contains("map rule"))
        let noBackup = try await setup.mailferry([
            "restore", setup.jobs.url.path + "/none", "--config", setup.path, "--to", "bob",
        ])
        #expect(noBackup.status == 2 && noBackup.stderr.contains("holds no backup"))
        #expect(try setup.bobCount("INBOX") == 0)
        await server.stopped()
    }

    @Test func aRestoreKilledMidwayResumesWithEveryMessageOnce() async throws {
        let server = try await DovecotServer.started()
        let setup = try Setup(server)
        defer { setup.jobs.remove() }
        var generator = CorpusGenerator(seed: 31)
        let total = 2_000
        try server.deliver(
            user: "alice", folder: "INBOX", messages: (0..<total).map { generator.message(ofSize: 2_000 + $0 % 5_000) })
        #expect(try await setup.mailferry(["run", setup.path, "--quiet"]).status == 0)
        let catalog = try Catalog.existing(directory: setup.backup)

        let process = try MailFerryCLI.start(
            ["restore", setup.backup, "--config", setup.path, "--to", "bob", "--quiet"], environment: setup.env)
        // Watched from a thread of its own: a test pool starved by other suites would see the run end first.
        let pid = process.processIdentifier
        let killedMidway = try await offPool {
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline {
                let logged =
                    try catalog.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM replay_log") } ?? 0
                if logged >= 300 { return kill(pid, SIGKILL) == 0 }
                usleep(2_000)
            }
            return false
        }
        kill(pid, SIGKILL)
        process.waitUntilExit()
        #expect(killedMidway, "the restore ended before it could be killed")
        #expect(try setup.bobCount("INBOX") < total)

        let resumed = try await setup.restore()
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try setup.bobCount("INBOX") == total)
        let verify = try await setup.mailferry(["verify", setup.backup, "--config", setup.path, "--to", "bob"])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stdout.contains("complete: \(total) expected, \(total) present, 0 missing, 0 twice, 0 extra"))
        await server.stopped()
    }

    @Test func aMigrateJobBacksUpIntoStagingThenReplaysAndAReRunAppendsNothing() async throws {
        let server = try await DovecotServer.started()
        let setup = try Setup(server)
        defer { setup.jobs.remove() }
        var generator = CorpusGenerator(seed: 44)
        try server.deliver(
            user: "alice", folder: "INBOX", messages: (0..<12).map { _ in generator.message(ofSize: 2_000) })
        try server.deliver(
            user: "alice", folder: "Sent Items", messages: (0..<4).map { _ in generator.message(ofSize: 2_000) })
        try server.deliver(
            user: "alice", folder: "Archive/2022", messages: (0..<3).map { _ in generator.message(ofSize: 2_000) })
        try server.deliver(
            user: "alice", folder: "Junk", messages: (0..<2).map { _ in generator.message(ofSize: 2_000) })
        let path = try setup.write(
            """
            [[jobs]]
            name = "move"
            migrate = { from = "alice", to = "bob" }
            exclude = ["Junk"]
            automap = true
            map = [ { match = "^Archive/(\\\\d{4})$", to = "Archives/$1" } ]
            filter = { max_size = "1MB" }
            """, name: "migrate.toml")

        let first = try await setup.mailferry(["run", path])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("move: success: 19 new messages"))
        #expect(first.stdout.contains("alice → bob: success: 19 messages appended"))
        #expect(
            try setup.bobCount("INBOX") == 12 && setup.bobCount("Sent") == 4 && setup.bobCount("Archives/2022") == 3)
        #expect(try !server.folderNames(user: "bob").contains("Junk"))
        let staging = setup.jobs.url.appendingPathComponent("move.staging").path
        #expect(FileManager.default.fileExists(atPath: staging + "/catalog.sqlite"))

        try server.deliver(user: "alice", folder: "INBOX", messages: [generator.message(ofSize: 2_000)])
        let second = try await setup.mailferry(["run", path])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("alice → bob: success: 1 messages appended"))
        #expect(try setup.bobCount("INBOX") == 13)

        let verify = try await setup.mailferry([
            "verify", staging, "--config", path, "--to", "bob", "--automap", "--exclude", "Junk", "--map",
            "/^Archive/(\\d{4})$/=Archives/$1",
        ])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stdout.contains("complete: 20 expected, 20 present, 0 missing"))
        // Two runs, each a backup into staging and a replay out of it: four reports, one schema.
        try Self.expectReportsValid(in: staging, count: 4)
        await server.stopped()
    }

    /// The run reports in `directory`/reports, backups' and restores' alike, validate against
    /// schemas/run-report.schema.json.
    static func expectReportsValid(in directory: String, count: Int) throws {
        let reports = URL(fileURLWithPath: directory).appendingPathComponent("reports")
        let files = try FileManager.default.contentsOfDirectory(atPath: reports.path).sorted()
            .map { reports.appendingPathComponent($0).path }
        #expect(files.count == count, "\(files)")
        let invalid = try ReportCommandTests.schemaViolations(files)
        #expect(invalid.isEmpty, "\(invalid)")
    }

    /// The connection drops in the middle of a folder: the restore waits, connects again and resumes; every
    /// message ends up on bob once.
    @Test func aConnectionDroppedMidFolderIsRetriedAndResumesWithoutDuplicates() async throws {
        let server = try await DovecotServer.started()
        let setup = try Setup(server)
        defer { setup.jobs.remove() }
        var generator = CorpusGenerator(seed: 61)
        var messages = (0..<60).map { _ in generator.message(ofSize: 2_000) }
        messages[37].bytes = Array("X-Cut-Here: yes\r\n".utf8) + messages[37].bytes
        try server.deliver(user: "alice", folder: "INBOX", messages: messages)
        #expect(try await setup.mailferry(["run", setup.path, "--quiet"]).status == 0)
        let proxy = try CuttingProxy(targetPort: server.imapPort, cutAt: "X-Cut-Here", times: 1)
        defer { proxy.stop() }
        let path = try setup.write(
            server.accountTOML(
                name: "bobproxy", user: "bob", tls: "none", port: proxy.port, passwordEnv: "MAILFERRY_BOB_PASSWORD",
                host: "127.0.0.1"), name: "proxy.toml")
        let restore = try await setup.mailferry([
            "restore", setup.backup, "--config", path, "--to", "bobproxy", "--retry-delay", "0",
        ])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(proxy.cuts == 1)
        #expect(restore.stderr.contains("trying again in 0 s"))
        #expect(try setup.bobCount("INBOX") == 60)
        let verify = try await setup.mailferry(["verify", setup.backup, "--config", setup.path, "--to", "bob"])
        #expect(
            verify.stdout.contains("complete: 60 expected, 60 present, 0 missing, 0 twice, 0 extra"), "\(verify.stdout)")
        await server.stopped()
    }
}
