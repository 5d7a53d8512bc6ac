import Catalog
import Engine
import Foundation
import MailTransport
import TestSupport
import Testing

/// A folder that vanishes between LIST and EXAMINE fails alone: the rest is saved, the run is
/// partial, and the exit status says so. A scripted server makes the timing exact.
struct PartialFailureTests {
    static let script: [ScriptedIMAPServer.Step] = [
        .send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR LIST-EXTENDED LIST-STATUS SPECIAL-USE] ready\r\n"),
        .readLine, .sendTagged("OK [CAPABILITY IMAP4rev1 LIST-EXTENDED LIST-STATUS SPECIAL-USE] logged in"),
        .readLine,
        .send(
            "* LIST () \"/\" INBOX\r\n* STATUS INBOX (MESSAGES 1 UIDVALIDITY 5 UIDNEXT 2)\r\n"
                + "* LIST () \"/\" Gone\r\n* STATUS Gone (MESSAGES 1 UIDVALIDITY 6 UIDNEXT 2)\r\n"),
        .sendTagged("OK LIST done"),
        .readLine, .send("* 1 EXISTS\r\n* OK [UIDVALIDITY 5] ok\r\n* OK [UIDNEXT 2] ok\r\n"),
        .sendTagged("OK [READ-ONLY] EXAMINE done"),
        .readLine, .send("* 1 FETCH (UID 1 RFC822.SIZE 7)\r\n"), .sendTagged("OK sizes"),
        .readLine,
        .send("* 1 FETCH (UID 1 FLAGS (\\Seen) INTERNALDATE \"01-Jan-2024 10:00:00 +0000\" RFC822.SIZE 7 BODY[] {7}\r\nhello\r\n)\r\n"),
        .sendTagged("OK fetched"),
        .readLine, .sendTagged("NO [NONEXISTENT] Mailbox doesn't exist: Gone"),
        .readLine, .send("* BYE logging out\r\n"), .sendTagged("OK bye"),
    ]

    @Test func vanishedFolderFailsAloneAndTheRunIsPartial() async throws {
        let server = try ScriptedIMAPServer(script: Self.script)
        defer { server.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("partial-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let jobs = directory.appendingPathComponent("jobs.toml")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(
            """
            [accounts.fake]
            host = "127.0.0.1"
            port = \(server.port)
            tls = "none"
            user = "alice"
            password_env = "MAILFERRY_PARTIAL_PASSWORD"

            [[jobs]]
            name = "nightly"
            backup = "fake"
            into = "backup"
            """.utf8
        ).write(to: jobs)
        let result = try await MailFerryCLI.running(
            ["run", jobs.path], environment: ["MAILFERRY_PARTIAL_PASSWORD": "pw"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains("Gone") && result.stdout.contains("FAILED"))
        #expect(result.stdout.contains("partial"))
        let catalog = try Catalog.existing(directory: directory.appendingPathComponent("backup").path)
        let folders = try catalog.folderSummaries()
        #expect(folders.first { $0.name == "INBOX" }?.messages == 1)
        let file = try #require(
            FileManager.default.enumerator(atPath: directory.appendingPathComponent("backup/maildir/fake/INBOX/cur").path)?
                .nextObject() as? String)
        let bytes = try Data(contentsOf: directory.appendingPathComponent("backup/maildir/fake/INBOX/cur/" + file))
        #expect(bytes == Data("hello\r\n".utf8))
        #expect(file.hasSuffix(":2,S"))
    }
}

/// A message the server cannot deliver (Dovecot's "NO [SERVERBUG]", Exchange's missing body) fails
/// alone: the others are saved and the high-water mark stays below it, so the next run tries again.
struct UndeliverableMessageTests {
    static func message(_ uid: Int, _ text: String) -> String {
        "* \(uid) FETCH (UID \(uid) FLAGS () INTERNALDATE \"02-Feb-2024 08:00:00 +0100\" RFC822.SIZE \(text.utf8.count) "
            + "BODY[] {\(text.utf8.count)}\r\n\(text))\r\n"
    }

    static let script: [ScriptedIMAPServer.Step] = [
        .send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR LIST-EXTENDED LIST-STATUS] ready\r\n"),
        .readLine, .sendTagged("OK [CAPABILITY IMAP4rev1 LIST-EXTENDED LIST-STATUS] logged in"),
        .readLine, .send("* LIST () \"/\" INBOX\r\n* STATUS INBOX (MESSAGES 3 UIDVALIDITY 9 UIDNEXT 4)\r\n"),
        .sendTagged("OK LIST done"),
        .readLine, .send("* 3 EXISTS\r\n* OK [UIDVALIDITY 9] ok\r\n* OK [UIDNEXT 4] ok\r\n"), .sendTagged("OK [READ-ONLY] ok"),
        .readLine, .send("* 1 FETCH (UID 1 RFC822.SIZE 9)\r\n* 2 FETCH (UID 2 RFC822.SIZE 9)\r\n* 3 FETCH (UID 3 RFC822.SIZE 9)\r\n"),
        .sendTagged("OK sizes"),
        .readLine,
        .send(message(1, "first\r\n\r\n") + "* 2 FETCH (UID 2 FLAGS ())\r\n" + message(3, "third\r\n\r\n")),
        .sendTagged("NO [SERVERBUG] Internal error occurred. Refer to server log for more information."),
        .readLine, .send("* SEARCH 1 2 3\r\n"), .sendTagged("OK search"),
        .readLine, .send("* BYE bye\r\n"), .sendTagged("OK bye"),
    ]

    @Test func othersAreSavedAndItIsRetriedNextTime() async throws {
        let server = try ScriptedIMAPServer(script: Self.script)
        defer { server.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("undeliverable-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        setenv("MAILFERRY_UNDELIVERABLE_PASSWORD", "pw", 1)
        let account = AccountConfig(
            name: "fake", mailProtocol: .imap,
            endpoint: .init(host: "127.0.0.1", port: server.port, tls: .none, connectTimeoutSeconds: 5, readTimeoutSeconds: 10),
            user: "alice", secret: .environment("MAILFERRY_UNDELIVERABLE_PASSWORD"))
        let job = JobConfig(name: "nightly", backup: "fake", into: directory.path)
        let report = try await BackupJob(job: job, account: account).run(logger: quietLogger)
        #expect(report.outcome == .partial)
        let inbox = try #require(report.folders.first)
        #expect(inbox.newMessages == 2)
        #expect(inbox.failedMessages.contains { $0.contains("UID 2") })
        #expect(inbox.failedMessages.contains { $0.contains("SERVERBUG") })
        let catalog = try Catalog.existing(directory: directory.path)
        let folder = try #require(try catalog.folders(accountID: 1).first)
        #expect(folder.highestUid == 1)
        #expect(folder.uidNext == nil, "the fast path must not skip this folder next time")
        #expect(try catalog.stats().messages == 2)
    }
}
