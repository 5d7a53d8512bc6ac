import Catalog
import Foundation
import MailCore
import TestSupport
import Testing

/// `mailferry import` as a user runs it, and the round trip through a real Dovecot: back alice up,
/// export, import the export into a new backup, restore that into bob, back bob up: every
/// message's hash, flags and INTERNALDATE are alice's.
@Suite(.serialized) struct ImportCommandTests {
    /// (folder, sha256, flags, INTERNALDATE) of every live placement of a backup.
    static func placements(_ backup: String) throws -> Set<String> {
        Set(
            try Catalog.existing(directory: backup).exportPlacements(folderGlob: nil).filter { !$0.gone }.map { placement in
                let flags = placement.flags.split(separator: " ").filter { $0 != "\\Recent" }.sorted().joined(separator: " ")
                let hex = placement.sha256.map { String(format: "%02x", $0) }.joined()
                return "\(placement.folder) \(hex) [\(flags)] \(placement.internalDateUnix)"
            })
    }

    @Test func backupExportImportRestoreRoundTrip() async throws {
        let server = try await DovecotServer.started()
        let jobs = try JobDirectory()
        defer { jobs.remove() }
        var generator = CorpusGenerator(seed: 21)
        let awkward = [
            CorpusMessage(
                "From: a@example.org\nSubject: From lines\n\nFrom the start\n>From quoted\n>>From twice\n",
                flags: ["\\Seen", "$Work"], internalDate: Date(timeIntervalSince1970: 1_600_000_000)),
            CorpusMessage(
                "From: b@example.org\r\nSubject: no final line end\r\n\r\nlast line", flags: ["\\Flagged", "\\Answered"],
                internalDate: Date(timeIntervalSince1970: 1_300_000_100)),
        ]
        try server.deliver(user: "alice", folder: "INBOX", messages: awkward + (0..<10).map { _ in generator.message(ofSize: 2_000) })
        try server.deliver(user: "alice", folder: "Projects/Entwürfe", messages: awkward)
        let original = jobs.url.appendingPathComponent("original").path
        let imported = jobs.url.appendingPathComponent("imported").path
        let bobBackup = jobs.url.appendingPathComponent("bob").path
        let path = try jobs.write(
            server.accountTOML(name: "alice") + server.accountTOML(name: "bob", user: "bob", passwordEnv: "MAILFERRY_BOB_PASSWORD")
                + """

                [[jobs]]
                name = "alice"
                backup = "alice"
                into = "\(original)"

                [[jobs]]
                name = "bob"
                backup = "bob"
                into = "\(bobBackup)"
                """)
        let env = ["MAILFERRY_TEST_PASSWORD": "alice-pass", "MAILFERRY_BOB_PASSWORD": "bob-pass"]
        let backedUp = try await MailFerryCLI.running(["run", path, "--job", "alice"], environment: env)
        #expect(backedUp.status == 0, "\(backedUp.stderr)")
        let alice = try Self.placements(original)
        #expect(alice.count == 14)

        for (index, (format, kind)) in [("maildir", "tar.zst"), ("mbox", "zip")].enumerated() {
            let file = jobs.url.appendingPathComponent("export-\(format).\(kind)").path
            let exported = try await MailFerryCLI.running(["export", original, "--to", file, "--format", format])
            #expect(exported.status == 0, "\(exported.stderr)")
            let target = imported + "\(index)"
            let run = try await MailFerryCLI.running(["import", file, "--into", target, "--account", "alice", "--json"])
            #expect(run.status == 0, "\(format): \(run.stderr)")
            #expect(try Self.placements(target) == alice, "\(format): folders, hashes, flags and dates from the manifest")
            let again = try await MailFerryCLI.running(["import", file, "--into", target, "--account", "alice"])
            #expect(again.status == 0 && again.stdout.contains("0 messages"), "\(again.stdout)")
        }

        let restored = try await MailFerryCLI.running(["restore", imported + "0", "--config", path, "--to", "bob"], environment: env)
        #expect(restored.status == 0, "\(restored.stderr)")
        let bobRun = try await MailFerryCLI.running(["run", path, "--job", "bob"], environment: env)
        #expect(bobRun.status == 0, "\(bobRun.stderr)")
        #expect(try Self.placements(bobBackup) == alice, "restored from the import: hashes, flags and INTERNALDATEs are alice's")
        await server.stopped()
    }

    @Test func badInputExitsWithPartialFailureAndNamesEachMessage() async throws {
        let jobs = try JobDirectory()
        defer { jobs.remove() }
        let source = jobs.url.appendingPathComponent("mail")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        try Data("From x Wed Feb  7 08:09:10 2001\nSubject: fine\n\nok\n".utf8).write(to: source.appendingPathComponent("good.mbox"))
        try Data("Subject: no From line\n\nbody\n".utf8).write(to: source.appendingPathComponent("bad.mbox"))
        let backup = jobs.url.appendingPathComponent("backup").path
        let run = try await MailFerryCLI.running(["import", source.path, "--into", backup, "--account", "me"])
        #expect(run.status == 1, "\(run.stdout) \(run.stderr)")
        #expect(run.stderr.contains("bad.mbox") && run.stderr.contains("not an mbox"))
        #expect(run.stdout.contains("1 messages"))
        let runs = try await MailFerryCLI.running(["runs", backup])
        #expect(runs.stdout.contains("import"), "\(runs.stdout)")
        let search = try await MailFerryCLI.running(["search", backup, "fine"])
        #expect(search.stdout.contains("fine"), "\(search.stdout)")
    }

    /// A 200 MB message, in a plain mbox and inside a .tar.gz, is streamed: the import's peak
    /// memory stays far below the message's size, and the bytes arrive whole.
    @Test func aLargeMessageIsStreamedNotLoaded() async throws {
        let jobs = try JobDirectory()
        defer { jobs.remove() }
        let mbox = jobs.url.appendingPathComponent("big.mbox").path
        FileManager.default.createFile(atPath: mbox, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: mbox))
        var hasher = SHA256Hasher()
        let header = Array("From: big@example.org\nSubject: big\n\n".utf8)
        hasher.update(header)
        try handle.write(contentsOf: Array("From big@example.org Wed Feb  7 08:09:10 2001\n".utf8) + header)
        let line = Array((String(repeating: "0123456789abcdef", count: 8) + "\n").utf8)
        let block = Array((0..<8_000).map { _ in line }.joined())
        for _ in 0..<(200 << 20) / block.count {
            hasher.update(block)
            try handle.write(contentsOf: block)
        }
        try handle.write(contentsOf: Array("\n".utf8))
        try handle.close()
        let hash = hasher.finalize().hex
        let archive = jobs.url.appendingPathComponent("big.tar.gz").path
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        tar.arguments = ["tar", "-czf", archive, "-C", jobs.url.path, "big.mbox"]
        try tar.run()
        tar.waitUntilExit()
        #expect(tar.terminationStatus == 0)
        for (index, source) in [mbox, archive].enumerated() {
            let backup = jobs.url.appendingPathComponent("backup\(index)").path
            let (run, peak) = try await MailFerryCLI.runningMeasuringMemory(
                ["import", source, "--into", backup, "--account", "me", "--formats", "maildir,mbox", "--quiet"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(peak < 120 << 20, "peak \(peak >> 20) MB for a 200 MB message")
            let placements = try Catalog.existing(directory: backup).exportPlacements(folderGlob: nil)
            #expect(placements.map { $0.sha256.map { String(format: "%02x", $0) }.joined() } == [hash])
        }
    }
}
