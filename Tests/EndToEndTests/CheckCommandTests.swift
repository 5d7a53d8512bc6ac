import Foundation
import TestSupport
import Testing

/// `mailferry check` run as a user would, against a real Dovecot.
struct CheckCommandTests {
    @Test func printsCapabilitiesAndFoldersAndJSON() async throws {
        let server = try await DovecotServer.started()
        defer { server.stop() }
        try server.createFolder(user: "alice", name: "Entwürfe")
        try server.createFolder(user: "alice", name: "Projects/2024")
        let jobs = try JobDirectory()
        defer { jobs.remove() }
        let path = try jobs.write(server.accountTOML())
        let env = ["MAILFERRY_TEST_PASSWORD": "alice-pass"]

        let text = try await MailFerryCLI.running(["check", path, "test"], environment: env)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("capabilities: "))
        #expect(text.stdout.contains("IMAP4REV1"))
        #expect(text.stdout.contains("Entwürfe"))
        #expect(text.stdout.contains("Projects/2024"))
        #expect(!text.stdout.contains("alice-pass") && !text.stderr.contains("alice-pass"))

        let json = try await MailFerryCLI.running(["check", path, "test", "--json"], environment: env)
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let folders = try #require(object["folders"] as? [[String: Any]])
        #expect(folders.contains { $0["name"] as? String == "Entwürfe" && $0["rawName"] as? String == "Entw&APw-rfe" })
        #expect((object["capabilities"] as? [String])?.contains("IMAP4REV1") == true)
    }

    @Test func errorsAreOneLineWithDistinctExitCodes() async throws {
        var options = DovecotServer.Options()
        options.starttls = false
        let plainOnly = try await DovecotServer.started(options)
        defer { plainOnly.stop() }
        let server = try await DovecotServer.started()
        defer { server.stop() }
        let jobs = try JobDirectory()
        defer { jobs.remove() }
        let closedPort = try LoopbackPorts.unusedPort()
        let text = [
            server.accountTOML(name: "good"),
            server.accountTOML(name: "wrongpass", passwordEnv: "MAILFERRY_WRONG"),
            server.accountTOML(name: "untrusted", trusted: false),
            server.accountTOML(name: "refused", tls: "none", port: closedPort, host: "127.0.0.1"),
            server.accountTOML(name: "nohost", host: "no-such-host.invalid"),
            plainOnly.accountTOML(name: "nostarttls", tls: "starttls"),
            server.accountTOML(name: "nosecret", passwordEnv: "MAILFERRY_UNSET_VARIABLE"),
        ].joined(separator: "\n")
        let path = try jobs.write(text)
        let env = ["MAILFERRY_TEST_PASSWORD": "alice-pass", "MAILFERRY_WRONG": "not-the-password"]
        let cases: [(String, Int32, String)] = [
            ("wrongpass", 3, "authentication failed"),
            ("untrusted", 4, "not trusted"),
            ("refused", 4, "connection refused"),
            ("nohost", 4, "unknown host"),
            ("nostarttls", 4, "does not offer STARTTLS"),
            ("nosecret", 3, "MAILFERRY_UNSET_VARIABLE"),
            ("missing", 2, "no account named \"missing\""),
        ]
        for (account, status, expected) in cases {
            let result = try await MailFerryCLI.running(["check", path, account], environment: env)
            #expect(result.status == status, "\(account): \(result.stderr)")
            #expect(result.stderr.contains(expected), "\(account): \(result.stderr)")
            #expect(result.stderr.contains("\"\(account)\""), "\(account): \(result.stderr)")
            let lines = result.stderr.split(separator: "\n").filter { !$0.contains("warning") }
            #expect(lines.count == 1, "\(account): \(result.stderr)")
            #expect(!result.stderr.contains("not-the-password") && !result.stderr.contains("alice-pass"))
        }
    }

    @Test func jobFileMistakesNameTheLine() async throws {
        let jobs = try JobDirectory()
        defer { jobs.remove() }
        let path = try jobs.write("[accounts.a]\nhost = \"h\"\nusr = \"alice\"\npassword_env = \"X\"\n")
        let result = try await MailFerryCLI.running(["check", path, "a"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(path):3: unknown key \"usr\" in [accounts.a]"))
    }

    @Test func checksAPOP3Account() async throws {
        let server = try await DovecotServer.started()
        defer { server.stop() }
        let plainOnly = try await DovecotServer.started(.init(starttls: false))
        defer { plainOnly.stop() }
        var generator = CorpusGenerator(seed: 2)
        try server.deliver(user: "alice", folder: "INBOX", messages: (0..<3).map { _ in generator.message(ofSize: 1_000) })
        let jobs = try JobDirectory()
        defer { jobs.remove() }
        let path = try jobs.write(
            [
                server.accountTOML(name: "pop", protocol: "pop3"),
                server.accountTOML(name: "popstls", tls: "starttls", protocol: "pop3"),
                server.accountTOML(name: "wrongpass", passwordEnv: "MAILFERRY_WRONG", protocol: "pop3"),
                plainOnly.accountTOML(name: "nostls", tls: "starttls", protocol: "pop3"),
            ].joined(separator: "\n"))
        let env = ["MAILFERRY_TEST_PASSWORD": "alice-pass", "MAILFERRY_WRONG": "not-the-password"]
        for account in ["pop", "popstls"] {
            let result = try await MailFerryCLI.running(["check", path, account], environment: env)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("UIDL") && result.stdout.contains("INBOX"))
            #expect(result.stdout.contains("1 folders, 3 messages"), "\(result.stdout)")
        }
        for (account, status, expected) in [("wrongpass", Int32(3), "authentication failed"), ("nostls", 4, "does not offer STLS")] {
            let result = try await MailFerryCLI.running(["check", path, account], environment: env)
            #expect(result.status == status, "\(account): \(result.stderr)")
            #expect(result.stderr.contains(expected) && result.stderr.contains("\"\(account)\""), "\(result.stderr)")
            #expect(!result.stderr.contains("not-the-password") && !result.stderr.contains("alice-pass"))
        }
    }
}
