import Archives
import Foundation
import MailCore
import Testing

struct MaildirStoreTests {
    func temporaryRoot() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("maildir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func writesDurablyAndByteExactWithFlagsInTheName() throws {
        let base = try temporaryRoot()
        defer { try? FileManager.default.removeItem(at: base) }
        let store = MaildirStore(root: base.path + "/maildir")
        let folder = MaildirStore.folderDirectory(account: "alice", folder: FolderPath(name: "INBOX", delimiter: "/"))
        try store.ensureFolder(folder)
        let bytes = Array("From: a@example.org\nSubject: bare LF\n\nbody\r\nmixed\n".utf8)
        let file = try store.createTemporary(in: folder)
        try bytes.withUnsafeBytes { try file.write($0) }
        try file.finish()
        let relative = try store.commit(file, name: MaildirStore.messageName(flags: ["\\Seen", "\\Flagged", "$Forwarded"]))
        try store.syncDirectory(folder + "/cur")
        #expect(relative.hasPrefix("alice/INBOX/cur/"))
        #expect(relative.hasSuffix(":2,FS"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: store.root + "/" + relative)) == Data(bytes))
        var info = stat()
        stat(store.root + "/" + relative, &info)
        #expect(info.st_mode & 0o777 == 0o600)
        stat(store.root + "/alice/INBOX", &info)
        #expect(info.st_mode & 0o777 == 0o700)
        let renamed = try store.addName(relative, flags: ["\\Answered"])
        #expect(renamed.hasSuffix(":2,R"))
        #expect(MaildirStore.uniquePart(of: renamed) == MaildirStore.uniquePart(of: relative))
        #expect(store.identity(of: renamed) == store.identity(of: relative))
        try store.removeName(relative)
        try store.removeName(relative)
        #expect(!FileManager.default.fileExists(atPath: store.root + "/" + relative))
        #expect(FileManager.default.fileExists(atPath: store.root + "/" + renamed))
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root + "/alice/INBOX/tmp").isEmpty)

        let other = MaildirStore.folderDirectory(account: "alice", folder: FolderPath(name: "Archive", delimiter: "/"))
        try store.ensureFolder(other)
        let linked = try store.link(existing: renamed, into: other, name: MaildirStore.messageName(flags: []))
        #expect(store.identity(of: renamed) != nil)
        #expect(store.identity(of: renamed) == store.identity(of: linked))
    }

    @Test func hostileFolderNamesStayInsideTheRoot() throws {
        let base = try temporaryRoot()
        defer { try? FileManager.default.removeItem(at: base) }
        let store = MaildirStore(root: base.path + "/backup/maildir")
        let hostile = ["../../escape", "/etc/passwd", "..", ".", "a/../../b", "nul\u{0}x", "cur", ".hidden", "\u{1}ctl"]
        for name in hostile {
            for delimiter: Character? in ["/", ".", nil] {
                let folder = MaildirStore.folderDirectory(account: "../acct", folder: FolderPath(name: name, delimiter: delimiter))
                try store.ensureFolder(folder)
                let file = try store.createTemporary(in: folder)
                try file.finish()
                let relative = try store.commit(file, name: MaildirStore.messageName(flags: []))
                let resolved = URL(fileURLWithPath: store.root + "/" + relative).standardizedFileURL.resolvingSymlinksInPath().path
                #expect(resolved.hasPrefix(URL(fileURLWithPath: store.root).resolvingSymlinksInPath().path + "/"), "\(name) -> \(relative)")
            }
        }
        // Nothing was created beside the backup's maildir folder.
        #expect(try FileManager.default.contentsOfDirectory(atPath: base.path + "/backup") == ["maildir"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: base.path) == ["backup"])
    }

    @Test func pythonMailboxReadsTheMaildir() throws {
        let base = try temporaryRoot()
        defer { try? FileManager.default.removeItem(at: base) }
        let store = MaildirStore(root: base.path)
        let folder = MaildirStore.folderDirectory(account: "alice", folder: FolderPath(name: "Entwürfe", delimiter: "/"))
        try store.ensureFolder(folder)
        for index in 0..<3 {
            let file = try store.createTemporary(in: folder)
            try Array("Subject: m\(index)\r\n\r\nbody \(index)\r\n".utf8).withUnsafeBytes { try file.write($0) }
            try file.finish()
            _ = try store.commit(file, name: MaildirStore.messageName(flags: index == 0 ? ["\\Seen"] : []))
        }
        let script = """
            import mailbox, sys
            box = mailbox.Maildir(sys.argv[1], factory=None, create=False)
            subjects = sorted(m['Subject'] for m in box)
            flags = sorted(m.get_flags() for m in box)
            print(','.join(subjects), '|', ','.join(flags))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, store.root + "/" + folder]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "m0,m1,m2 | ,,S")
    }
}
