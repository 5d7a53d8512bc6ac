import Foundation
import TestSupport
import Testing

/// `mailferry run`, `folders` and `stats` as a user runs them, against a real Dovecot.
struct CatalogCommandTests {
    @Test func runThenFoldersAndStats() async throws {
        let server = try await DovecotServer.started()
        let jobs = try JobDirectory()
        defer { jobs.remove() }
        try server.createFolder(user: "alice", name: "Entwürfe")
        var generator = CorpusGenerator(seed: 4)
        try server.deliver(user: "alice", folder: "INBOX", messages: (0..<30).map { _ in generator.message(ofSize: 2_000) })
        try server.deliver(user: "alice", folder: "Entwürfe", messages: (0..<4).map { _ in generator.message(ofSize: 2_000) })
        let backup = jobs.url.appendingPathComponent("backup").path
        let path = try jobs.writeBackupJob(server: server, into: backup, formats: ["maildir"])
        let env = ["MAILFERRY_TEST_PASSWORD": "alice-pass"]

        let run = try await MailFerryCLI.running(["run", path], environment: env)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("nightly: success: 34 new messages"))
        #expect(run.stderr.contains("INBOX: 30 new"))

        let folders = try await MailFerryCLI.running(["folders", backup])
        #expect(folders.status == 0)
        #expect(folders.stdout.contains("Entwürfe"))
        let json = try await MailFerryCLI.running(["folders", backup, "--json"])
        let list = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(list.first { $0["name"] as? String == "INBOX" }?["messages"] as? Int == 30)

        let stats = try await MailFerryCLI.running(["stats", backup, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any])
        #expect(object["messages"] as? Int == 34)
        #expect((object["lastRun"] as? [String: Any])?["outcome"] as? String == "success")

        let again = try await MailFerryCLI.running(["run", path, "--json"], environment: env)
        #expect(again.status == 0)
        let last = try #require(again.stdout.split(separator: "\n").last)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        #expect(report["event"] as? String == "report")

        let missing = try await MailFerryCLI.running(["stats", jobs.url.appendingPathComponent("nothing").path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("holds no backup"))
        await server.stopped()
    }
}
