import Foundation
import TestSupport
import Testing

/// `mailferry batch`: four mailboxes of one Dovecot backed up from a CSV with the template job, in two
/// shards that cover each row once, with secrets given as references; a re-run skips finished rows.
struct BatchCommandTests {
    static let users = [
        DovecotServer.User("alice", "alice-pass"), DovecotServer.User("bob", "bob-pass"),
        DovecotServer.User("carol", "carol-pass"), DovecotServer.User("dave", "dave-pass"),
    ]

    /// A job file whose template job "archive" backs the account `template` (of `server`, unless
    /// given) up into `backups/<user>`.
    func writeTemplate(
        _ jobs: JobDirectory, server: DovecotServer? = nil, account: String? = nil, parallel: Int? = nil
    ) throws -> String {
        try jobs.write(
            (account ?? server?.accountTOML(name: "template", user: "nobody", passwordEnv: "UNUSED") ?? "") + """

                [[jobs]]
                name = "archive"
                backup = "template"
                into = "backups"

                [batch]
                template = "archive"
                \(parallel.map { "parallel = \($0)" } ?? "")
                """)
    }

    func batchReport(_ directory: String, shard: String) throws -> [String: Any] {
        let folder = (directory as NSString).appendingPathComponent("batch-reports")
        let name = try #require(
            try FileManager.default.contentsOfDirectory(atPath: folder).sorted().last { $0.hasSuffix("\(shard).json") })
        let data = try #require(FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent(name)))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func fourMailboxesInTwoShardsAndAResumedRun() async throws {
        try await withServer(DovecotServer.Options(users: Self.users)) { server in
            let jobs = try JobDirectory()
            defer { jobs.remove() }
            var generator = CorpusGenerator(seed: 31)
            for (index, user) in Self.users.enumerated() {
                try server.deliver(
                    user: user.name, folder: "INBOX", messages: (0...index).map { _ in generator.message(ofSize: 700) })
            }
            let backups = jobs.url.appendingPathComponent("backups").path
            let path = try writeTemplate(jobs, server: server, parallel: 2)
            let secretFile = try jobs.write("carol-pass\n", name: "carol.secret")
            chmod(secretFile, 0o600)
            let csv = try jobs.write(
                """
                source_user,source_secret
                alice,env:ALICE_PW
                bob,"cmd:printf 'bob-pass\\n'"
                carol,file:carol.secret
                dave,env:DAVE_PW
                """, name: "mailboxes.csv")
            let env = ["ALICE_PW": "alice-pass", "DAVE_PW": "dave-pass"]
            var covered: [String] = []
            for shard in ["0/2", "1/2"] {
                let run = try await MailFerryCLI.running(
                    ["batch", csv, "--config", path, "--shard", shard], environment: env)
                #expect(run.status == 0, "\(run.stderr)\n\(run.stdout)")
                let report = try batchReport(backups, shard: shard.replacingOccurrences(of: "/", with: "-of-"))
                let rows = try #require(report["rows"] as? [[String: Any]])
                #expect(rows.allSatisfy { $0["outcome"] as? String == "success" }, "\(rows)")
                covered += rows.compactMap { $0["sourceUser"] as? String }
            }
            #expect(covered.sorted() == ["alice", "bob", "carol", "dave"])
            let reports = (backups as NSString).appendingPathComponent("batch-reports")
            let files = try FileManager.default.contentsOfDirectory(atPath: reports).map {
                (reports as NSString).appendingPathComponent($0)
            }
            let schema = (ReportCommandTests.schema as NSString).deletingLastPathComponent + "/batch-report.schema.json"
            let invalid = try ReportCommandTests.schemaViolations(files, schema: schema)
            #expect(files.count == 2 && invalid.isEmpty, "\(invalid)")
            for (index, user) in Self.users.enumerated() {
                let stats = try await MailFerryCLI.running(["stats", "\(backups)/\(user.name)", "--json"])
                let object = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any]
                #expect(object?["messages"] as? Int == index + 1, "\(user.name): \(stats.stdout)")
            }

            // All four finished: the whole batch again skips them; --fresh runs them (nothing new).
            let again = try await MailFerryCLI.running(["batch", csv, "--config", path], environment: env)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.contains("4 of 4 mailboxes finished in an earlier run: skipped"), "\(again.stdout)")
            let fresh = try await MailFerryCLI.running(["batch", csv, "--config", path, "--fresh"], environment: env)
            #expect(fresh.status == 0, "\(fresh.stderr)")
            #expect(fresh.stdout.contains("4 jobs: 4 succeeded"), "\(fresh.stdout)")
            #expect(
                fresh.stderr.contains("alice: ") && fresh.stderr.contains("dave: ") || fresh.stdout.contains("alice"))
            for secret in ["alice-pass", "bob-pass", "carol-pass", "dave-pass"] {
                #expect(!fresh.stdout.contains(secret) && !fresh.stderr.contains(secret))
            }
        }
    }

    @Test func aFailedRowRunsAgainAndTheExitCoversEveryRow() async throws {
        try await withServer(DovecotServer.Options(users: Self.users)) { server in
            let jobs = try JobDirectory()
            defer { jobs.remove() }
            let path = try writeTemplate(jobs, server: server)
            let csv = try jobs.write(
                "source_user,source_secret\nalice,env:ALICE_PW\nbob,env:BOB_PW\ncarol,env:CAROL_PW\n",
                name: "mailboxes.csv")
            let wrong = ["ALICE_PW": "alice-pass", "BOB_PW": "not-bobs", "CAROL_PW": "carol-pass"]
            let first = try await MailFerryCLI.running(
                ["batch", csv, "--config", path, "--parallel", "3"], environment: wrong)
            #expect(first.status == 3, "\(first.stderr)")
            #expect(first.stderr.contains("bob: account \"bob\""), "\(first.stderr)")
            #expect(first.stdout.contains("3 jobs: 2 succeeded, 1 did not"), "\(first.stdout)")
            #expect(!first.stderr.contains("not-bobs"))

            var right = wrong
            right["BOB_PW"] = "bob-pass"
            let second = try await MailFerryCLI.running(["batch", csv, "--config", path, "--json"], environment: right)
            #expect(second.status == 0, "\(second.stderr)")
            let line = try #require(second.stdout.split(separator: "\n").last { $0.contains("\"event\":\"batch\"") })
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let rows = try #require((object["report"] as? [String: Any])?["rows"] as? [[String: Any]])
            #expect(rows.map { $0["outcome"] as? String } == ["skipped", "success", "skipped"])
        }
    }

    @Test func aCSVWithAPasswordIsRefusedBeforeAnythingRuns() async throws {
        let jobs = try JobDirectory()
        defer { jobs.remove() }
        let path = try writeTemplate(
            jobs, account: "[accounts.template]\nhost = \"localhost\"\nuser = \"x\"\npassword_env = \"X\"\n")
        let csv = try jobs.write("source_user,source_secret\nalice,Secret-Pa55\n", name: "m.csv")
        let run = try await MailFerryCLI.running(["batch", csv, "--config", path])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("m.csv:2: source_secret must be a reference"), "\(run.stderr)")
        #expect(!run.stderr.contains("Secret-Pa55"))
        #expect(!FileManager.default.fileExists(atPath: jobs.url.appendingPathComponent("backups").path))
        let shard = try await MailFerryCLI.running(["batch", csv, "--config", path, "--shard", "2/2"])
        #expect(shard.status == 64, "\(shard.stderr)")
    }

    /// A migrate template: three mailboxes move to three others on the same server, each through a
    /// staging backup of its own; a second run appends nothing twice.
    @Test func threeMailboxesMigrate() async throws {
        let users = ["ann", "ben", "cat", "ann2", "ben2", "cat2"].map { DovecotServer.User($0, "\($0)-pass") }
        try await withServer(DovecotServer.Options(users: users)) { server in
            let jobs = try JobDirectory()
            defer { jobs.remove() }
            var generator = CorpusGenerator(seed: 41)
            for (index, user) in ["ann", "ben", "cat"].enumerated() {
                try server.deliver(
                    user: user, folder: "INBOX", messages: (0...index).map { _ in generator.message(ofSize: 600) })
            }
            let path = try jobs.write(
                server.accountTOML(name: "old", user: "nobody", passwordEnv: "UNUSED")
                    + server.accountTOML(name: "new", user: "nobody", passwordEnv: "UNUSED") + """

                        [[jobs]]
                        name = "move"
                        migrate = { from = "old", to = "new" }
                        staging = "staging"

                        [batch]
                        template = "move"
                        parallel = 3
                        """)
            let csv = try jobs.write(
                "source_user,dest_user,source_secret,dest_secret\n"
                    + ["ann", "ben", "cat"].map { "\($0),\($0)2,cmd:echo \($0)-pass,cmd:echo \($0)2-pass" }
                    .joined(separator: "\n"), name: "moves.csv")
            let first = try await MailFerryCLI.running(["batch", csv, "--config", path, "--json"])
            #expect(first.status == 0, "\(first.stderr)")
            let line = try #require(first.stdout.split(separator: "\n").last { $0.contains("\"event\":\"batch\"") })
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let rows = try #require((object["report"] as? [String: Any])?["rows"] as? [[String: Any]])
            #expect(rows.map { $0["appended"] as? Int } == [1, 2, 3], "\(rows)")
            #expect(rows.map { $0["destinationUser"] as? String } == ["ann2", "ben2", "cat2"])
            for (index, user) in ["ann2", "ben2", "cat2"].enumerated() {
                #expect(try server.status(user: user, folder: "INBOX")["messages"] == String(index + 1), "\(user)")
            }
            let again = try await MailFerryCLI.running(["batch", csv, "--config", path, "--fresh"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try server.status(user: "cat2", folder: "INBOX")["messages"] == "3")
        }
    }

    /// Twenty mailboxes in two shards: every row is backed up by exactly one of them.
    @Test func twentyMailboxesInTwoShardsCoverEachRowOnce() async throws {
        let users = (1...20).map { "user\($0)" }
        try await withServer(DovecotServer.Options(users: users.map { DovecotServer.User($0, "\($0)-pass") })) {
            server in
            let jobs = try JobDirectory()
            defer { jobs.remove() }
            var generator = CorpusGenerator(seed: 51)
            for user in users {
                try server.deliver(user: user, folder: "INBOX", messages: [generator.message(ofSize: 500)])
            }
            let path = try writeTemplate(jobs, server: server, parallel: 4)
            let csv = try jobs.write(
                "source_user,source_secret\n" + users.map { "\($0),cmd:echo \($0)-pass" }.joined(separator: "\n"),
                name: "fleet.csv")
            var covered: [String] = []
            for shard in ["0/2", "1/2"] {
                let run = try await MailFerryCLI.running(["batch", csv, "--config", path, "--shard", shard, "--json"])
                #expect(run.status == 0, "\(run.stderr)")
                let line = try #require(run.stdout.split(separator: "\n").last { $0.contains("\"event\":\"batch\"") })
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                let rows = try #require((object["report"] as? [String: Any])?["rows"] as? [[String: Any]])
                #expect(rows.allSatisfy { $0["outcome"] as? String == "success" && $0["newMessages"] as? Int == 1 })
                #expect(!rows.isEmpty && rows.count < users.count, "each shard takes some rows: \(rows.count)")
                covered += rows.compactMap { $0["sourceUser"] as? String }
            }
            #expect(covered.sorted() == users.sorted(), "each row exactly once")
        }
    }
}
