import Foundation
import TestSupport
import Testing

/// `parallel = N`: jobs of different accounts on one server run side by side within its
/// `max_connections`; every job's lines carry its name; the summary and the exit status cover all.
struct ParallelRunTests {
    @Test func twoAccountsOnOneServerRunSideBySide() async throws {
        try await withServer { server in
            let jobs = try JobDirectory()
            defer { jobs.remove() }
            var generator = CorpusGenerator(seed: 21)
            try server.deliver(
                user: "alice", folder: "INBOX", messages: (0..<4).map { _ in generator.message(ofSize: 900) })
            try server.deliver(
                user: "bob", folder: "INBOX", messages: (0..<3).map { _ in generator.message(ofSize: 900) })
            let path = try jobs.write(
                """
                parallel = 3
                max_connections = 1

                """ + server.accountTOML(name: "alice", user: "alice", passwordEnv: "ALICE_PASSWORD")
                    + server.accountTOML(name: "bob", user: "bob", passwordEnv: "BOB_PASSWORD")
                    + server.accountTOML(name: "carol", user: "bob", passwordEnv: "WRONG_PASSWORD") + """

                        [[jobs]]
                        name = "alice-nightly"
                        backup = "alice"
                        into = "alice"

                        [[jobs]]
                        name = "bob-nightly"
                        backup = "bob"
                        into = "bob"

                        [[jobs]]
                        name = "carol-nightly"
                        backup = "carol"
                        into = "carol"
                        """)
            let env = ["ALICE_PASSWORD": "alice-pass", "BOB_PASSWORD": "bob-pass", "WRONG_PASSWORD": "nope-secret"]
            let run = try await MailFerryCLI.running(["run", path], environment: env)
            #expect(run.status == 3, "\(run.stderr)\n\(run.stdout)")
            #expect(run.stdout.contains("alice-nightly: success: 4 new messages"), "\(run.stdout)")
            #expect(run.stdout.contains("bob-nightly: success: 3 new messages"), "\(run.stdout)")
            #expect(run.stderr.contains("mailferry: error: carol-nightly: account \"carol\""), "\(run.stderr)")
            #expect(run.stdout.contains("3 jobs: 2 succeeded, 1 did not"), "\(run.stdout)")
            #expect(!run.stdout.contains("nope-secret") && !run.stderr.contains("nope-secret"))
            let lines = run.stderr.split(separator: "\n").filter { !$0.hasPrefix("mailferry: error:") && !$0.isEmpty }
            #expect(lines.allSatisfy { $0.hasPrefix("alice-nightly: ") || $0.hasPrefix("bob-nightly: ") }, "\(lines)")

            // --parallel and --json: one JSON summary covers both jobs.
            let again = try await MailFerryCLI.running(
                ["run", path, "--parallel", "2", "--json", "--job", "alice-nightly"], environment: env)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(!again.stdout.contains("\"event\":\"summary\""), "a single job has no summary")
            let both = try await MailFerryCLI.running(["run", path, "--parallel", "2", "--json"], environment: env)
            let summary = try #require(both.stdout.split(separator: "\n").last { $0.contains("\"event\":\"summary\"") })
            let object = try #require(try JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any])
            #expect(object["exit"] as? Int == 3)
            #expect(
                (object["jobs"] as? [[String: Any]])?.map { $0["status"] as? String } == [
                    "success", "success", "authentication-failed",
                ])
        }
    }

    /// Four accounts, four at once, two connections to the server at a time: each gets all its mail.
    @Test func fourAccountsWithinTwoConnections() async throws {
        let users = ["ann", "ben", "cat", "dan"]
        try await withServer(DovecotServer.Options(users: users.map { DovecotServer.User($0, "\($0)-pass") })) {
            server in
            let jobs = try JobDirectory()
            defer { jobs.remove() }
            var generator = CorpusGenerator(seed: 22)
            var text = "parallel = 4\nmax_connections = 2\n\n"
            for (index, user) in users.enumerated() {
                try server.deliver(
                    user: user, folder: "INBOX", messages: (0...index).map { _ in generator.message(ofSize: 700) })
                text += server.accountTOML(name: user, user: user, passwordEnv: "\(user.uppercased())_PW")
                text += "[[jobs]]\nname = \"\(user)\"\nbackup = \"\(user)\"\ninto = \"\(user)\"\n\n"
            }
            let path = try jobs.write(text)
            let env = Dictionary(uniqueKeysWithValues: users.map { ("\($0.uppercased())_PW", "\($0)-pass") })
            let run = try await MailFerryCLI.running(["run", path], environment: env)
            #expect(run.status == 0, "\(run.stderr)")
            for (index, user) in users.enumerated() {
                #expect(run.stdout.contains("\(user): success: \(index + 1) new messages"), "\(run.stdout)")
            }
            #expect(run.stdout.contains("4 jobs: 4 succeeded, 0 did not"), "\(run.stdout)")
        }
    }
}
