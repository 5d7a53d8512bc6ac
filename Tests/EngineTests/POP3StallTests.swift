import Foundation
import MailCore
import TestSupport
import Testing

/// A POP3 server that greets, lists and then goes silent in the middle of a message: the account's
/// `read_timeout` ends the attempt after that much silence. Without retries: one clear line, exit
/// status 4, nothing deleted. With them (the default), the run connects again and saves
/// everything, once.
@Suite(.serialized) struct POP3StallTests {
    @Test func aServerStalledMidMessageEndsTheRunAfterReadTimeout() async throws {
        let bodies = (1...6).map { POP3IdentityTests.mail($0, size: 200) }
        let server = try FakePOP3Server(messages: bodies.enumerated().map { .init(uidl: "u\($0.offset)", bytes: $0.element) })
        defer { server.stop() }
        server.stallNextRetrieval(of: 4)
        let job = try ScriptedJobFile(
            port: server.port, keys: "password_env = \"MAILFERRY_STALL_PASSWORD\"\nkeep_on_server = false\nread_timeout = 1",
            protocol: "pop3")
        defer { job.remove() }
        let environment = ["MAILFERRY_STALL_PASSWORD": "pw"]

        let first = try await MailFerryCLI.running(["run", job.jobs, "--quiet", "--retries", "0"], environment: environment)
        #expect(first.status == 4, "\(first.stderr)")
        let lines = first.stderr.split(separator: "\n").filter { $0.contains("cloud") }
        #expect(lines.count == 1, "\(first.stderr)")
        #expect(lines.first?.contains("sent nothing for 1 s") == true, "\(first.stderr)")
        #expect(server.messages.count == 6)
        #expect(!server.transcripts[0].contains { $0.hasPrefix("DELE") || $0 == "QUIT" })

        // Stalled again, on another message: the retry saves all, deletes what it saved.
        server.stallNextRetrieval(of: 2)
        let second = try await MailFerryCLI.running(["run", job.jobs, "--retry-delay", "0"], environment: environment)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("sent nothing for 1 s") && second.stderr.contains("trying again"), "\(second.stderr)")
        #expect(server.transcripts.count == 3)
        #expect(server.messages.isEmpty)
        let maildir = job.directory.appendingPathComponent("backup/maildir/cloud/INBOX")
        let files = FileManager.default.enumerator(atPath: maildir.path)?.allObjects.compactMap { $0 as? String } ?? []
        #expect(files.filter { $0.hasPrefix("tmp/") }.isEmpty, "\(files)")
        let saved = try files.filter { $0.hasPrefix("cur/") }.map {
            SHA256Hasher.hash(try Data(contentsOf: maildir.appendingPathComponent($0))).hex
        }
        #expect(saved.sorted() == POP3IdentityTests.hashes(bodies))
    }
}
