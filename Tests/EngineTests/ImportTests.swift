import Archives
import Catalog
import Foundation
import MailCore
import TestSupport
import Testing

@testable import Engine

/// `ImportJob` on every kind of source, checked through the catalog, the archive files and
/// Python's `mailbox` reading what was written.
struct ImportTests {
    /// A scratch directory for a source and a backup directory.
    struct Scratch {
        let url: URL
        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("import-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
        var backup: String { url.appendingPathComponent("backup").path }
        func path(_ relative: String) -> String { url.appendingPathComponent(relative).path }
        func write(_ relative: String, _ bytes: [UInt8], modified: Date? = nil) throws {
            let target = url.appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: target)
            if let modified { try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: target.path) }
        }
        func write(_ relative: String, _ text: String, modified: Date? = nil) throws {
            try write(relative, Array(text.utf8), modified: modified)
        }
        func remove() { try? FileManager.default.removeItem(at: url) }
    }

    static let first = "From: a@example.org\nSubject: first\nDate: Tue, 2 Jan 2024 15:04:05 +0000\n\nFrom the start\n>From quoted\n>>From twice\n"
    static let second = "From: b@example.org\nSubject: second gr\u{FC}n\n\nbody two\n"

    /// An mboxrd file as mailferry writes it.
    static func mboxrd(_ messages: [(String, String)]) -> String {
        messages.map { line, text in
            var quoting = MboxQuoting(.quote)
            var output: [UInt8] = []
            quoting.process(Array(text.utf8), into: &output)
            quoting.finish(into: &output)
            return line + "\n" + String(decoding: output, as: UTF8.self) + "\n"
        }.joined()
    }

    static func placements(_ directory: String) throws -> [ExportPlacement] {
        try Catalog.existing(directory: directory).exportPlacements(folderGlob: nil)
    }

    /// Runs a program; its status and output.
    static func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    static func hash(_ text: String) -> Data { Data(SHA256Hasher.hash(Array(text.utf8)).bytes) }

    @Test func importsAnMboxIdempotentlyWithDatesFromTheFromLine() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.write(
            "Old Mail.mbox",
            Self.mboxrd([("From a@example.org Wed Feb  7 08:09:10 2001", Self.first), ("From b@example.org Thu Mar  1 00:00:00 2001", Self.second)]))
        let job = ImportJob(
            source: scratch.path("Old Mail.mbox"), directory: scratch.backup, account: "me", formats: ["maildir", "mbox"],
            mboxVariant: .mboxrd)
        let report = try job.run()
        #expect(report.messages == 2 && report.skipped.isEmpty, "\(report)")
        let placements = try Self.placements(scratch.backup)
        #expect(Set(placements.map(\.sha256)) == [Self.hash(Self.first), Self.hash(Self.second)], "exact bytes, unquoted")
        #expect(Set(placements.map(\.folder)) == ["Old Mail"])
        #expect(placements.contains { $0.internalDate == "07-Feb-2001 08:09:10 +0000" })
        let catalog = try Catalog.existing(directory: scratch.backup)
        #expect(try catalog.search(SearchQuery(parsing: "grün"), filters: .init(), limit: 10).count == 1, "the search index is filled")
        // The Maildir files and the mbox written, read by Python.
        let files = try FileManager.default.contentsOfDirectory(atPath: scratch.backup + "/maildir/me/Old Mail/cur")
        #expect(files.count == 2 && files.allSatisfy { $0.contains(",H=") && $0.hasSuffix(":2,") })
        let read = try MboxReaders.python(scratch.backup + "/mbox/me/Old Mail.mbox")
        #expect(Set(read.map { Data(SHA256Hasher.hash($0).bytes) }) == [Self.hash(Self.first), Self.hash(Self.second)])

        let again = try job.run()
        #expect(again.messages == 0 && again.alreadyThere == 2, "importing twice adds nothing")
        #expect(try Self.placements(scratch.backup).count == 2)
        let runs = try catalog.runs(limit: 10)
        #expect(runs.filter { $0.job == "import" }.count == 2, "each import is a run")
        // A backed-up folder's new UIDVALIDITY retires its old UIDs, never what was imported.
        let accountID = try #require(try catalog.account(named: "me")?.id)
        let folderID = try #require(try catalog.folders(accountID: accountID).first?.id)
        #expect(try catalog.retireUIDValidity(folderID: folderID, keeping: 7, now: 1) == 0)
        #expect(try Self.placements(scratch.backup).allSatisfy { !$0.gone })
    }

    @Test func mboxoKeepsDeeperQuotesAndReportsThem() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let body = "From: a@example.org\nSubject: o\n\n>From one\n>>From two\n"
        try scratch.write("box", "From a@example.org Wed Feb  7 08:09:10 2001\n" + body + "\n")
        let report = try ImportJob(source: scratch.path("box"), directory: scratch.backup, account: "me").run()
        let placement = try #require(try Self.placements(scratch.backup).first)
        #expect(placement.sha256 == Self.hash("From: a@example.org\nSubject: o\n\nFrom one\n>>From two\n"))
        #expect(report.notes.contains { $0.contains("mboxo") })
    }

    @Test func badInputIsReportedPerMessageAndTheRestGoesOn() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.write("in/no-from.mbox", "Subject: x\n\nbody\n")
        try scratch.write("in/cr-only.mbox", "From a Wed Feb  7 08:09:10 2001\rSubject: x\r\rbody\r")
        try scratch.write("in/cr.eml", "Subject: x\r\rbody\r")
        try scratch.write("in/garbage.eml", [0x00, 0x01, 0xFF, 0x0A, 0x41])
        try scratch.write("in/latin.eml", [UInt8]("Subject: caf\u{E9}\nContent-Type: text/plain; charset=no-such-charset\n\nna\u{EF}ve ".utf8) + [0xE9, 0x0A])
        try scratch.write("in/good.mbox", "From x Wed Feb  7 08:09:10 2001\n" + Self.second + "\n" + "From y Wed Feb  7 08:09:10 2001\n\n")
        let report = try ImportJob(source: scratch.path("in"), directory: scratch.backup, account: "me").run()
        #expect(report.skipped.count == 5, "\(report.skipped)")
        #expect(report.skipped.contains { $0.contains("no-from.mbox") && $0.contains("not an mbox") })
        #expect(report.skipped.contains { $0.contains("cr-only.mbox") && $0.contains("bare CR") })
        #expect(report.skipped.contains { $0.contains("cr.eml") && $0.contains("bare CR") })
        #expect(report.skipped.contains { $0.contains("garbage.eml") && $0.contains("cannot be parsed") })
        #expect(report.skipped.contains { $0.contains("good.mbox message 2") })
        #expect(report.messages == 2, "the good mbox message and the message with a bad charset")
        let catalog = try Catalog.existing(directory: scratch.backup)
        let runs = try catalog.runs(limit: 1)
        #expect(runs.first?.outcome == "partial")
    }

    @Test func importsAMaildirTreeWithFlagsKeywordsAndFolders() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let date = Date(timeIntervalSince1970: 1_500_000_000)
        try scratch.write("md/cur/1.host:2,SF", Self.first, modified: date)
        try scratch.write("md/new/2.host", Self.second, modified: date)
        try scratch.write("md/.Work.Projects/cur/3.host:2,Ra", Self.second, modified: date)
        try scratch.write("md/.Work.Projects/dovecot-keywords", "0 $Important\n1 Junk\n")
        try scratch.write("md/Nested/Deeper/cur/4.host:2,", Self.first, modified: date)
        try scratch.write("md/.Work.Projects/tmp/5.host", "half written")
        let report = try ImportJob(source: scratch.path("md"), directory: scratch.backup, account: "me").run()
        #expect(report.skipped.isEmpty && report.placements == 4, "\(report)")
        let placements = try Self.placements(scratch.backup)
        let byFolder = Dictionary(grouping: placements, by: \.folder)
        #expect(Set(byFolder.keys) == ["INBOX", "Work/Projects", "Nested/Deeper"])
        #expect(byFolder["Work/Projects"]?.first?.flags == "\\Answered $Important")
        #expect(byFolder["INBOX"]?.contains { $0.flags == "\\Seen \\Flagged" || $0.flags == "\\Flagged \\Seen" } == true)
        #expect(placements.allSatisfy { $0.internalDateUnix == 1_500_000_000 }, "the file's mtime, as Dovecot takes it")
        #expect(report.deduplicated == 2, "the same bytes in another folder are a link")
    }

    @Test func importsEmlFilesAndThunderbirdFolders() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try scratch.write("eml/a.eml", Self.first)
        try scratch.write("eml/sub/b.eml", Self.second)
        let eml = try ImportJob(source: scratch.path("eml"), directory: scratch.backup, account: "me", folder: "Saved").run()
        #expect(eml.folders == ["Saved": 1, "Saved/sub": 1], "\(eml)")
        #expect(try Self.placements(scratch.backup).first { $0.folder == "Saved" }?.internalDate == "02-Jan-2024 15:04:05 +0000")

        try scratch.write("tb/Inbox", "From - Wed Feb  7 08:09:10 2001\n" + Self.first + "\n")
        try scratch.write("tb/Inbox.msf", "// mork")
        try scratch.write("tb/Trash", "")
        try scratch.write("tb/Archives.sbd/2019", "From - Wed Feb  7 08:09:10 2001\n" + Self.second + "\n")
        try scratch.write("tb/Archives.sbd/2019.msf", "// mork")
        let tb = try ImportJob(source: scratch.path("tb"), directory: scratch.backup + "2", account: "me").run()
        #expect(tb.skipped.isEmpty, "\(tb.skipped)")
        #expect(tb.folders == ["Inbox": 1, "Archives/2019": 1], "\(tb)")
    }

    @Test func googleTakeoutLabelsBecomePlacementsAndFlags() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let inbox = "X-Gmail-Labels: Inbox,Starred,\"Projects,2024\",Category Updates,Opened\nSubject: one\n\nread\n"
        let unread = "X-Gmail-Labels: Unread,Archived,Important\nSubject: two\n\nnot read\n"
        let sent = "X-Gmail-Labels: Sent,=?UTF-8?Q?Gr=C3=BCn?=\nSubject: three\n\nsent\n"
        try scratch.write(
            "All mail Including Spam and Trash.mbox",
            ["From 1 Wed Feb  7 08:09:10 2001\n" + inbox, "From 2 Wed Feb  7 08:09:10 2001\n" + unread, "From 3 Wed Feb  7 08:09:10 2001\n" + sent]
                .joined(separator: "\n") + "\n")
        let report = try ImportJob(source: scratch.path("All mail Including Spam and Trash.mbox"), directory: scratch.backup, account: "g").run()
        #expect(report.messages == 3 && report.placements == 5, "\(report)")
        let placements = try Self.placements(scratch.backup)
        func flags(_ folder: String) -> Set<String> {
            Set(placements.first { $0.folder == folder }?.flags.split(separator: " ").map(String.init) ?? [])
        }
        #expect(flags("INBOX") == ["\\Seen", "\\Flagged", "$CategoryUpdates"])
        #expect(flags("Projects,2024") == flags("INBOX"))
        #expect(flags("All mail Including Spam and Trash") == ["$Important"], "unread, archived: All Mail")
        #expect(flags("Sent") == ["\\Seen"] && flags("Grün") == ["\\Seen"])
    }

    @Test func readsArchivesAsStreamsAndNeverWritesByEntryNames() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let script = """
            import sys, tarfile, zipfile, io
            out = sys.argv[1]
            msgs = {'Mail/cur/1.h:2,S': sys.argv[2], '../../escape.eml': sys.argv[3], '/abs/x.mbox': 'From a Wed Feb  7 08:09:10 2001\\n' + sys.argv[2] + '\\n'}
            with zipfile.ZipFile(out + '/a.zip', 'w') as z:
                for name, text in msgs.items():
                    z.writestr(name, text)
            with tarfile.open(out + '/a.tar.xz', 'w:xz') as t:
                for name, text in msgs.items():
                    data = text.encode()
                    info = tarfile.TarInfo(name); info.size = len(data)
                    t.addfile(info, io.BytesIO(data))
            """
        let made = try Self.run("python3", ["-c", script, scratch.url.path, Self.first, Self.second])
        #expect(made.status == 0, "\(made.stderr)")
        for name in ["a.zip", "a.tar.xz"] {
            let target = scratch.backup + "-" + name
            let report = try ImportJob(source: scratch.path(name), directory: target, account: "me").run()
            #expect(report.skipped.isEmpty && report.placements == 3, "\(name): \(report)")
            #expect(Set(report.folders.keys) == ["Mail", "a", "abs/x"], "\(report.folders)")
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.url.deletingLastPathComponent().deletingLastPathComponent().path + "/escape.eml"))
        let listing = try Self.run("find", [scratch.url.path, "-name", "escape.eml"])
        #expect(listing.stdout.isEmpty, "nothing written by an entry's name")
    }

    @Test func aTruncatedArchiveKeepsWhatCameBeforeAndReportsTheRest() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let big = Self.second
        let script = """
            import sys, tarfile, io
            with tarfile.open(sys.argv[1], 'w:gz') as t:
                big = sys.argv[3] + __import__('base64').encodebytes(__import__('random').Random(3).randbytes(3 << 20)).decode()
                for name, text in (('a/cur/1.h:2,', sys.argv[2]), ('a/cur/2.h:2,', big)):
                    data = text.encode(); info = tarfile.TarInfo(name); info.size = len(data)
                    t.addfile(info, io.BytesIO(data))
            data = open(sys.argv[1], 'rb').read()
            open(sys.argv[1], 'wb').write(data[:len(data) * 3 // 4])
            """
        let made = try Self.run("python3", ["-c", script, scratch.path("cut.tgz"), Self.first, big])
        #expect(made.status == 0, "\(made.stderr)")
        let report = try ImportJob(source: scratch.path("cut.tgz"), directory: scratch.backup, account: "me").run()
        #expect(report.messages == 1, "\(report)")
        #expect(report.skipped.count == 1 && report.skipped[0].contains("cannot read the archive"), "\(report.skipped)")
        try scratch.write("garbage.zip", "this is no zip file")
        let garbage = try ImportJob(source: scratch.path("garbage.zip"), directory: scratch.backup, account: "me").run()
        #expect(garbage.messages == 0 && garbage.skipped.count == 1 && garbage.skipped[0].contains("cannot read the archive"))
    }
}
