import Archives
import Foundation
import MailCore
import TestSupport
import Testing

struct MboxStoreTests {
    /// Messages an mbox has trouble with: From lines in the body, quoted ones, no final line end,
    /// CRLF and bare LF, an empty message, a message that is only a From line.
    static let awkward: [[UInt8]] = [
        "From: a@example.org\r\nSubject: crlf\r\n\r\nFrom the start\r\n>From quoted\r\n>>From twice\r\nend\r\n",
        "From: a@example.org\nSubject: lf\n\nFrom here\n>From there\n>>From everywhere\n",
        "From: a@example.org\nSubject: no final newline\n\nFrom the last line",
        "From: a@example.org\r\nSubject: ends in CR\r\n\r\nbody\r",
        "Subject: blank lines at the end\n\nbody\n\n\n",
        "",
        "From ",
        "From x\n\nFrom y\n\n",
    ].map { Array($0.utf8) }

    func temporaryRoot() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mbox-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `messages` into the mbox `relative`, returning their entries.
    func append(_ messages: [[UInt8]], to store: MboxStore, _ relative: String, recordedEnd: Int64, scratch: URL) throws -> [MboxEntry] {
        let file = try store.open(relative, recordedEnd: recordedEnd)
        defer { file.close() }
        var entries: [MboxEntry] = []
        for (index, message) in messages.enumerated() {
            let source = scratch.appendingPathComponent("source-\(index)")
            try Data(message).write(to: source)
            entries.append(
                try file.append(
                    contentsOf: source.path, size: message.count,
                    fromLine: MboxStore.fromLine(sender: "alice@example.org", date: 1_704_207_845 + Int64(index))))
        }
        try file.sync()
        return entries
    }

    func read(_ store: MboxStore, _ relative: String, _ entry: MboxEntry, size: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try store.read(relative, offset: entry.offset, length: entry.length, size: Int64(size)) { bytes += $0 }
        return bytes
    }

    @Test func entriesComeBackByteExactAndPythonReadsThem() throws {
        let base = try temporaryRoot()
        defer { try? FileManager.default.removeItem(at: base) }
        let store = MboxStore(root: base.path + "/mbox")
        let relative = MboxStore.file(
            folderDirectory: MaildirStore.folderDirectory(account: "alice", folder: FolderPath(name: "Lists/swift", delimiter: "/")))
        #expect(relative == "alice/Lists/swift.mbox")
        let entries = try append(Self.awkward, to: store, relative, recordedEnd: 0, scratch: base)
        for (message, entry) in zip(Self.awkward, entries) {
            #expect(try read(store, relative, entry, size: message.count) == message)
        }
        #expect(entries.last.map { $0.offset + $0.length } == store.fileSize(relative))
        var info = stat()
        stat(store.root + "/" + relative, &info)
        #expect(info.st_mode & 0o777 == 0o600)
        stat(store.root + "/alice/Lists", &info)
        #expect(info.st_mode & 0o777 == 0o700)
        let text = try String(contentsOfFile: store.root + "/" + relative, encoding: .utf8)
        #expect(text.hasPrefix("From alice@example.org Tue Jan  2 15:04:05 2024\n"))

        // Independent readers split the file on its From lines.
        let python = try MboxReaders.python(store.root + "/" + relative)
        #expect(python == Self.awkward.map(MboxReaders.asRead))
        if MboxReaders.hasMutt {
            let mutt = try MboxReaders.mutt(store.root + "/" + relative, expecting: Self.awkward.count)
            #expect(mutt.map(MboxReaders.muttComparable) == Self.awkward.map { MboxReaders.muttComparable(MboxReaders.asRead($0)) })
        }
    }

    @Test func aTornTailIsCutOffAndAShortFileRefused() throws {
        let base = try temporaryRoot()
        defer { try? FileManager.default.removeItem(at: base) }
        let store = MboxStore(root: base.path + "/mbox")
        let relative = "alice/INBOX.mbox"
        let first = try append(Array(Self.awkward[0..<2]), to: store, relative, recordedEnd: 0, scratch: base)
        let recorded = first[1].offset + first[1].length
        // A killed run wrote half an entry, then junk that is no entry at all.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: store.root + "/" + relative))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nSubject: half".utf8))
        try handle.write(contentsOf: Data("\u{0}junk".utf8))
        try handle.close()

        let file = try store.open(relative, recordedEnd: recorded)
        #expect(file.cutOff > 0)
        #expect(file.end == recorded)
        file.close()
        #expect(store.fileSize(relative) == recorded)
        let more = try append([Self.awkward[2]], to: store, relative, recordedEnd: recorded, scratch: base)
        #expect(more[0].offset == recorded)
        #expect(try read(store, relative, more[0], size: Self.awkward[2].count) == Self.awkward[2])
        #expect(try MboxReaders.python(store.root + "/" + relative).count == 3)

        // The catalog knows more than the file holds: refused, nothing touched.
        let size = store.fileSize(relative)!
        #expect(throws: MboxError.shorterThanRecorded(path: store.root + "/" + relative, size: size, recorded: size + 10)) {
            _ = try store.open(relative, recordedEnd: size + 10)
        }
        // An offset in the middle of a message.
        #expect(throws: MboxError.notAnEntryBoundary(path: store.root + "/" + relative, offset: first[0].offset + 9)) {
            _ = try store.open(relative, recordedEnd: first[0].offset + 9)
        }
        #expect(store.fileSize(relative) == size)
    }

    @Test func aBatchTheCatalogDidNotTakeIsRolledBack() throws {
        let base = try temporaryRoot()
        defer { try? FileManager.default.removeItem(at: base) }
        let store = MboxStore(root: base.path + "/mbox")
        let source = base.appendingPathComponent("m")
        try Data(Self.awkward[1]).write(to: source)
        let file = try store.open("a/INBOX.mbox", recordedEnd: 0)
        let kept = try file.append(contentsOf: source.path, size: Self.awkward[1].count, fromLine: MboxStore.fromLine(sender: "", date: 0))
        _ = try file.append(contentsOf: source.path, size: Self.awkward[1].count, fromLine: MboxStore.fromLine(sender: "", date: 0))
        file.rollBack(to: kept.offset + kept.length)
        #expect(store.fileSize("a/INBOX.mbox") == kept.length)
        // A source whose size is not what the fetch said: nothing of it stays.
        #expect(throws: MboxError.sourceChanged(path: source.path, expected: 3, actual: Self.awkward[1].count)) {
            _ = try file.append(contentsOf: source.path, size: 3, fromLine: MboxStore.fromLine(sender: "", date: 0))
        }
        #expect(store.fileSize("a/INBOX.mbox") == kept.length)
        file.close()
    }

    @Test func fromLines() {
        #expect(MboxStore.fromLine(sender: "bob@example.org", date: 0) == Array("From bob@example.org Thu Jan  1 00:00:00 1970\n".utf8))
        #expect(MboxStore.fromLine(sender: " \t\r\n", date: 1_700_000_000) == Array("From MAILER-DAEMON Tue Nov 14 22:13:20 2023\n".utf8))
        #expect(MboxStore.fromLine(sender: "a b\u{0}c", date: 0).starts(with: Array("From abc Thu".utf8)))
    }
}
