import Foundation
import TestSupport
import Testing

/// Peak memory of `mailferry run` on a POP3 maildrop kept on the server, measured from outside by
/// GNU time: under 64 MB, and the no-change re-run, which must recognise every kept message, flat
/// in their number (the catalog is asked in chunks; only the server's list is held).
/// Measured by hand with 2,000 and 20,000 kept (debug build): re-run 47.6 and 55.4 MB.
@Suite(.serialized) struct POP3MemoryTests {
    static let limit = 64 << 20
    /// How much more a no-change re-run may peak with `many` kept messages than with `few`.
    static let growth = 4 << 20
    static let few = 500
    static let many = 4_000

    @Test func peakMemoryIsFlatInTheNumberOfKeptMessages() async throws {
        try await withServer { server in
            let jobs = try JobDirectory()
            defer { jobs.remove() }
            let backup = jobs.url.appendingPathComponent("backup").path
            let path = try jobs.write(
                server.accountTOML(name: "isp", protocol: "pop3") + """

                    [[jobs]]
                    name = "nightly"
                    backup = "isp"
                    into = "\(backup)"
                    """)
            var generator = CorpusGenerator(seed: 67)
            try server.deliver(
                user: "alice", folder: "INBOX", messages: (0..<Self.few).lazy.map { generator.message(ofSize: 1_500 + $0 % 4_000) })
            let fewFull = try await peak(path, backup, kept: Self.few)
            let fewRerun = try await peak(path, backup, kept: Self.few)
            try server.deliver(
                user: "alice", folder: "INBOX",
                messages: (Self.few..<Self.many).lazy.map { generator.message(ofSize: 1_500 + $0 % 4_000) })
            let manyFull = try await peak(path, backup, kept: Self.many)
            let manyRerun = try await peak(path, backup, kept: Self.many)

            let megabytes = { (bytes: Int) in String(format: "%.1f MB", Double(bytes) / 1_048_576) }
            let figures =
                "\(Self.few) kept: \(megabytes(fewFull)) full, \(megabytes(fewRerun)) re-run; "
                + "\(Self.many) kept: \(megabytes(manyFull)) full, \(megabytes(manyRerun)) re-run"
            #expect(max(fewFull, fewRerun, manyFull, manyRerun) < Self.limit, "\(figures)")
            #expect(manyRerun - fewRerun < Self.growth, "the no-change re-run grows with the kept messages: \(figures)")
        }
    }

    /// Runs the job under GNU time; its peak resident memory in bytes. The archive must then hold
    /// `kept` messages.
    func peak(_ path: String, _ backup: String, kept: Int) async throws -> Int {
        let (run, peak) = try await MailFerryCLI.runningMeasuringMemory(
            ["run", path, "--quiet"], environment: ["MAILFERRY_TEST_PASSWORD": "alice-pass"])
        #expect(run.status == 0, "\(run.stderr)")
        let stored = try FileManager.default.contentsOfDirectory(atPath: backup + "/maildir/isp/INBOX/cur")
        #expect(stored.count == kept)
        return peak
    }
}
