import Foundation
import MailCore
import TestSupport
import Testing

/// `mailferry search`, `show` and `runs` as a user runs them, on a backup of a real Dovecot kept
/// as mbox only: phrases are confirmed, and `show` reads, from the mbox entries.
struct SearchCommandTests {
    static func message(_ headers: [String], _ body: String, date: String) -> CorpusMessage {
        CorpusMessage(
            (headers + ["Date: \(date)", "Message-ID: <\(UUID().uuidString)@example.org>", "", body]).joined(separator: "\n"),
            internalDate: Date(timeIntervalSince1970: 1_700_000_000))
    }

    static let report = message(
        [
            "From: Alice <alice@example.org>", "To: team@example.org", "Subject: Quarterly report", "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=\"b1\"",
        ],
        """
        --b1
        Content-Type: text/plain; charset=utf-8

        The numbers for the quarterly report are attached.
        From now on they come every month.
        --b1
        Content-Type: application/pdf; name="q1.pdf"
        Content-Disposition: attachment; filename="q1.pdf"
        Content-Transfer-Encoding: base64

        JVBERi0xLjQK
        --b1--
        """, date: "Fri, 01 Mar 2024 09:00:00 +0000")
    static let reversed = message(
        ["From: Dave <dave@example.org>", "To: alice@example.org", "Cc: team@example.org", "Subject: Report, quarterly"],
        "The report is quarterly, not monthly.", date: "Mon, 15 Jan 2024 12:00:00 +0000")
    static let latin1 = message(
        [
            "From: Bob <bob@example.org>", "To: alice@example.org", "Subject: =?ISO-8859-1?Q?Caf=E9?= meeting",
            "MIME-Version: 1.0", "Content-Type: text/plain; charset=ISO-8859-1", "Content-Transfer-Encoding: quoted-printable",
        ],
        "Gr=FC=DFe aus K=F6ln", date: "Tue, 14 Mar 2023 10:00:00 +0000")
    static let base64 = message(
        [
            "From: Carol <carol@example.org>", "To: alice@example.org", "Subject: Odd news", "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64",
        ],
        Data("A unicorn walked into the meeting.\n".utf8).base64EncodedString(), date: "Wed, 06 Jul 2022 08:30:00 +0000")

    @Test func searchShowAndRuns() async throws {
        let server = try await DovecotServer.started()
        let jobs = try JobDirectory()
        defer { jobs.remove() }
        try server.deliver(user: "alice", folder: "INBOX", messages: [Self.report, Self.reversed, Self.latin1])
        try server.deliver(user: "alice", folder: "Archive/2022", messages: [Self.base64])
        let (path, backup) = try jobs.writeBackupJob(server, formats: ["mbox"])
        let env = ["MAILFERRY_TEST_PASSWORD": "alice-pass"]
        let run = try await MailFerryCLI.running(["run", path], environment: env)
        #expect(run.status == 0, "\(run.stderr)")

        func ids(_ arguments: [String]) async throws -> [Int] {
            let result = try await MailFerryCLI.running(["search", backup] + arguments + ["--json"])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            let hits = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
            return hits.compactMap { $0["id"] as? Int }
        }
        func subjects(_ arguments: [String]) async throws -> [String] {
            let result = try await MailFerryCLI.running(["search", backup] + arguments + ["--json"])
            try #require(result.status == 0, "\(arguments): \(result.stderr)")
            let hits = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
            return hits.compactMap { $0["subject"] as? String }
        }
        #expect(try await subjects(["quarterly"]) == ["Quarterly report", "Report, quarterly"], "newest first")
        #expect(try await subjects(["\"quarterly report\""]) == ["Quarterly report"], "a phrase is confirmed in order")
        #expect(try await subjects(["subject:\"report quarterly\""]) == ["Report, quarterly"])
        #expect(try await subjects(["\"from now on\""]) == ["Quarterly report"], "a From line in the body")
        #expect(try await subjects(["subject:cafe"]) == ["Café meeting"], "an encoded word, accents folded")
        #expect(try await subjects(["köln"]) == ["Café meeting"], "quoted-printable Latin-1")
        #expect(try await subjects(["unicor*"]) == ["Odd news"], "base64, a prefix")
        #expect(try await subjects(["--from", "bob@"]) == ["Café meeting"])
        #expect(try await subjects(["report", "--to", "team@"]) == ["Quarterly report", "Report, quarterly"])
        #expect(try await subjects(["--folder", "Archive/*"]) == ["Odd news"])
        #expect(try await subjects(["--since", "2023-01-01", "--before", "2024-01-01"]) == ["Café meeting"])
        #expect(try await subjects(["--has-attachment"]) == ["Quarterly report"])
        #expect(try await subjects(["meeting", "--limit", "1"]) == ["Café meeting"])
        #expect(try await subjects(["nothing-like-this"]).isEmpty)
        #expect(try await subjects(["\"report AND\" OR NEAR(x"]).isEmpty, "FTS5 syntax in a query is only text")

        let text = try await MailFerryCLI.running(["search", backup, "quarterly"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("home/INBOX") && text.stdout.contains("2024-03-01 09:00") && text.stdout.contains("2 messages"))

        // show: the exact bytes, the header block, the readable text.
        let id = try #require(try await ids(["subject:cafe"]).first)
        let raw = try await MailFerryCLI.running(["show", backup, String(id), "--raw"])
        #expect(raw.status == 0, "\(raw.stderr)")
        #expect(raw.stdoutBytes == Self.latin1.servedBytes)
        let headers = try await MailFerryCLI.running(["show", backup, String(id), "--headers"]).stdoutBytes
        let served = Self.latin1.servedBytes
        let headerEnd = try #require(String(decoding: served, as: UTF8.self).range(of: "\r\n\r\n")).lowerBound
        #expect(headers == Array(String(decoding: served, as: UTF8.self)[..<headerEnd].utf8) + [13, 10])
        let shown = try await MailFerryCLI.running(["show", backup, String(id)])
        #expect(shown.stdout.contains("Subject: Café meeting"))
        #expect(shown.stdout.contains("Grüße aus Köln"))
        #expect(shown.stdout.contains("Folders: home/INBOX"))

        let missing = try await MailFerryCLI.running(["show", backup, "99999"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "mailferry: error: the backup has no message with id 99999; `mailferry search` shows ids\n")
        let usage = try await MailFerryCLI.running(["search", backup])
        #expect(usage.status == 64)
        let badDay = try await MailFerryCLI.running(["search", backup, "x", "--since", "2024-13-01"])
        #expect(badDay.status == 64)

        // runs: the history, with counts.
        let again = try await MailFerryCLI.running(["run", path], environment: env)
        #expect(again.status == 0)
        let runs = try await MailFerryCLI.running(["runs", backup, "--json"])
        let list = try #require(try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [[String: Any]])
        #expect(list.count == 2)
        #expect(list.map { $0["messagesNew"] as? Int } == [0, 4])
        #expect(list.allSatisfy { $0["outcome"] as? String == "success" && $0["account"] as? String == "home" })
        let runsText = try await MailFerryCLI.running(["runs", backup])
        #expect(runsText.stdout.contains("nightly") && runsText.stdout.contains("success"))

        let stats = try await MailFerryCLI.running(["stats", backup, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any])
        #expect((object["perYear"] as? [[String: Any]])?.count == 1, "all four were delivered in 2023 (INTERNALDATE)")
        await server.stopped()
    }
}
