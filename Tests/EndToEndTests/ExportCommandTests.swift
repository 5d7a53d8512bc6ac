import Foundation
import MailCore
import TestSupport
import Testing

/// `mailferry export` as a user runs it; the archives are read back by GNU tar and Python's
/// zipfile, and every message checked against the manifest and the server.
struct ExportCommandTests {
    static let awkward: [CorpusMessage] = [
        CorpusMessage(
            "From: a@example.org\nSubject: From lines\n\nFrom the start\n>From quoted\n", flags: ["\\Seen", "$Work"],
            internalDate: Date(timeIntervalSince1970: 1_600_000_000)),
        CorpusMessage(
            "From: b@example.org\r\nSubject: no final line end\r\n\r\nlast line", flags: ["\\Flagged"],
            internalDate: Date(timeIntervalSince1970: 1_600_000_100)),
    ]

    /// Unpacks an export into a new directory: zip with Python's zipfile, tar.* with GNU tar.
    static func unpack(_ file: String) throws -> URL {
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("unpacked-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            file.hasSuffix(".zip")
            ? ["python3", "-c", "from zipfile import ZipFile; from sys import argv; ZipFile(argv[1]).extractall(argv[2])", file, target.path]
            : ["tar", "-xf", file, "-C", target.path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "unpacking \(file)")
        return target
    }

    @Test func exportsEveryFormatAndKindWithAManifest() async throws {
        let server = try await DovecotServer.started()
        let jobs = try JobDirectory()
        defer { jobs.remove() }
        var generator = CorpusGenerator(seed: 8)
        try server.deliver(user: "alice", folder: "INBOX", messages: Self.awkward + (0..<20).map { _ in generator.message(ofSize: 3_000) })
        try server.deliver(user: "alice", folder: "Projects/Entwürfe", messages: Self.awkward + [generator.withAttachment(attachmentSize: 200_000)])
        let (path, backup) = try jobs.writeBackupJob(server, formats: ["maildir"])
        let run = try await MailFerryCLI.running(["run", path], environment: ["MAILFERRY_TEST_PASSWORD": "alice-pass"])
        #expect(run.status == 0, "\(run.stderr)")
        let awkwardHashes = Set(Self.awkward.map { SHA256Hasher.hash($0.servedBytes).hex })

        for (format, kind) in [("maildir", "tar"), ("mbox", "tar.gz"), ("eml", "zip"), ("eml", "tar.zst"), ("mbox", "tar.xz")] {
            let file = jobs.url.appendingPathComponent("export-\(format).\(kind)").path
            let result = try await MailFerryCLI.running(["export", backup, "--to", file, "--format", format, "--json"])
            #expect(result.status == 0, "\(format) \(kind): \(result.stderr)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(report["messages"] as? Int == 25)
            #expect(!FileManager.default.fileExists(atPath: file + ".partial"))

            let unpacked = try Self.unpack(file)
            defer { try? FileManager.default.removeItem(at: unpacked) }
            let manifestData = try Data(contentsOf: unpacked.appendingPathComponent("manifest.json"))
            let manifest = try #require(try JSONSerialization.jsonObject(with: manifestData) as? [String: Any])
            let messages = try #require(manifest["messages"] as? [[String: Any]])
            #expect(messages.count == 25)
            #expect(Set(messages.compactMap { $0["folder"] as? String }) == ["INBOX", "Projects/Entwürfe"], "real folder names")
            let seen = messages.first { ($0["flags"] as? [String]) == ["\\Seen", "$Work"] }
            #expect(seen != nil, "flags and keywords exactly")
            for folder in ["INBOX", "Projects/Entwürfe"] {
                let hashes = Set(messages.filter { $0["folder"] as? String == folder }.compactMap { $0["sha256"] as? String })
                #expect(awkwardHashes.isSubset(of: hashes), "the server's bytes, in \(folder)")
            }
            switch format {
            case "mbox":
                var files: [String: [[String: Any]]] = [:]
                for message in messages { files[message["file"] as! String, default: []].append(message) }
                #expect(files.keys.sorted() == ["home/INBOX.mbox", "home/Projects/Entwürfe.mbox"])
                for (name, listed) in files {
                    let read = try MboxReaders.python(unpacked.appendingPathComponent(name).path)
                    #expect(read.count == listed.count, "\(name)")
                    for message in listed {
                        let bytes = read[message["entry"] as! Int]
                        let hash = message["sha256"] as? String
                        // An mbox gives a message without a final line end one.
                        #expect(SHA256Hasher.hash(bytes).hex == hash || SHA256Hasher.hash(bytes.dropLast()).hex == hash)
                    }
                }
            default:
                for message in messages {
                    let name = try #require(message["file"] as? String)
                    let bytes = try Data(contentsOf: unpacked.appendingPathComponent(name))
                    #expect(SHA256Hasher.hash(bytes).hex == message["sha256"] as? String, "\(name)")
                    #expect(bytes.count == message["size"] as? Int)
                    if format == "maildir", (message["flags"] as? [String]) == ["\\Flagged"] {
                        #expect(name.contains("/cur/") && name.hasSuffix(":2,F"))
                    }
                }
            }
        }

        // Never overwrites, and names it cannot write are refused in one line.
        let existing = jobs.url.appendingPathComponent("export-maildir.tar").path
        let again = try await MailFerryCLI.running(["export", backup, "--to", existing])
        #expect(again.status == 2)
        #expect(again.stderr.contains("never overwrites"))
        let unknown = try await MailFerryCLI.running(["export", backup, "--to", jobs.url.appendingPathComponent("x.rar").path])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.split(separator: "\n").count == 1)
        await server.stopped()
    }
}
