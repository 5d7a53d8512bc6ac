import Foundation
import TestSupport
import Testing

/// Peak memory of `mailferry run`, measured from outside by GNU time: under 64 MB with a 25 MB
/// message in the folder, and flat in the number of messages.
@Suite(.serialized) struct MemoryTests {
    static let limit = 64 << 20
    /// How much more a run of 3,000 messages may peak than one of 500.
    static let growth = 4 << 20

    @Test func peakMemoryIsBoundedAndFlatInTheNumberOfMessages() async throws {
        try await withServer { server in
            let jobs = try JobDirectory()
            defer { jobs.remove() }
            // Mail is made as it is delivered and dropped at once: other tests in this process
            // measure its resident memory.
            try Self.deliverLargeMessage(server)
            var generator = CorpusGenerator(seed: 61)
            try server.deliver(
                user: "alice", folder: "INBOX",
                messages: (0..<500).lazy.map { generator.message(ofSize: 1_500 + $0 % 4_000) })
            let few = try await peak(server, jobs, messages: 501)

            try server.deliver(
                user: "alice", folder: "INBOX",
                messages: (0..<2_500).lazy.map { generator.message(ofSize: 1_500 + $0 % 4_000) })
            let many = try await peak(server, jobs, messages: 3_001)

            let megabytes = { (bytes: Int) in String(format: "%.1f MB", Double(bytes) / 1_048_576) }
            #expect(few < Self.limit, "501 messages: peak \(megabytes(few))")
            #expect(many < Self.limit, "3,001 messages: peak \(megabytes(many))")
            #expect(
                many - few < Self.growth,
                "peak grows with the number of messages: \(megabytes(few)) for 501, \(megabytes(many)) for 3,001")
        }
    }

    /// A restore over TLS streams each message from its archive file no faster than the socket takes it:
    /// the 25 MB message and 1,000 small ones go to bob under the same bound as the backup.
    @Test func aRestoreOfALargeMessageOverTLSStaysUnderTheBound() async throws {
        try await withServer { server in
            let jobs = try JobDirectory()
            defer { jobs.remove() }
            try Self.deliverLargeMessage(server)
            var generator = CorpusGenerator(seed: 62)
            try server.deliver(
                user: "alice", folder: "INBOX",
                messages: (0..<1_000).lazy.map { generator.message(ofSize: 1_500 + $0 % 30_000) })
            let backup = jobs.url.appendingPathComponent("backup").path
            let path = try jobs.write(
                server.accountTOML(name: "home")
                    + server.accountTOML(name: "bob", user: "bob", passwordEnv: "MAILFERRY_BOB_PASSWORD") + """

                    [[jobs]]
                    name = "nightly"
                    backup = "home"
                    into = "\(backup)"
                    formats = ["maildir"]
                    """, name: "jobs.toml")
            let environment = ["MAILFERRY_TEST_PASSWORD": "alice-pass", "MAILFERRY_BOB_PASSWORD": "bob-pass"]
            let run = try await MailFerryCLI.running(["run", path, "--quiet"], environment: environment)
            #expect(run.status == 0, "\(run.stderr)")
            let (restore, peak) = try await MailFerryCLI.runningMeasuringMemory(
                ["restore", backup, "--config", path, "--to", "bob", "--quiet"], environment: environment)
            #expect(restore.status == 0, "\(restore.stderr)")
            let verify = try await MailFerryCLI.running(
                ["verify", backup, "--config", path, "--to", "bob"], environment: environment)
            #expect(verify.stdout.contains("complete: 1001 expected, 1001 present"), "\(verify.stdout)")
            #expect(peak < Self.limit, "restore peak \(String(format: "%.1f MB", Double(peak) / 1_048_576))")
        }
    }

    /// One 25 MB message into alice's INBOX.
    static func deliverLargeMessage(_ server: DovecotServer) throws {
        let message = CorpusMessage(
            bytes: Corpus.large(size: 25 << 20), flags: ["\\Seen"], internalDate: Date(timeIntervalSince1970: 1_700_000_000))
        try server.deliver(user: "alice", folder: "INBOX", messages: [message])
    }

    /// Backs the account up into a new directory under GNU time; the peak resident memory in bytes.
    func peak(_ server: DovecotServer, _ jobs: JobDirectory, messages: Int) async throws -> Int {
        let backup = jobs.url.appendingPathComponent("backup-\(messages)").path
        let path = try jobs.writeBackupJob(server, into: backup, name: "jobs-\(messages).toml")
        let (run, peak) = try await MailFerryCLI.runningMeasuringMemory(
            ["run", path, "--quiet"], environment: ["MAILFERRY_TEST_PASSWORD": "alice-pass"])
        #expect(run.status == 0, "\(run.stderr)")
        let stored = try FileManager.default.contentsOfDirectory(atPath: backup + "/maildir/home/INBOX/cur")
        #expect(stored.count == messages)
        return peak
    }
}
