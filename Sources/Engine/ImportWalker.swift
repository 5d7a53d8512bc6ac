import Archives
import Foundation
import IMAPCore
import MIME
import MailCore

/// Finds the mail in an import source and streams each message into the sink: files of a
/// directory tree or entries of an archive are classified alike by their relative names
/// (Maildir `cur/`/`new/` files, `.eml` files, mbox files with or without `.mbox`, Thunderbird
/// `.sbd` subfolders; `.msf` indexes are skipped), and a mailferry export's `manifest.json`
/// restores real folder names, flags, keywords and dates.
struct ImportWalker {
    /// A file of the source, readable once as a stream.
    struct SourceFile {
        /// Path components relative to the source's root (for a single file: its name).
        var components: [String]
        var modified: Int64?
        var read: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void
    }

    let sink: ImportSink
    let folder: String?
    let variant: MboxSplitter.Variant?
    /// The export manifest, when the source has one: its entries by file.
    var manifest: [String: [ManifestEntry]]?
    var manifestFormat: String?
    /// Maildir keyword names (`dovecot-keywords`) by the folder directory they belong to.
    var keywords: [String: [Character: String]] = [:]
    /// The name the source's root gives a folder of loose `.eml` files.
    var rootName = "INBOX"

    init(sink: ImportSink, folder: String?, variant: MboxSplitter.Variant?) {
        self.sink = sink
        self.folder = folder
        self.variant = variant
    }

    mutating func importSource(_ path: String, isDirectory: Bool) throws {
        let name = (path as NSString).lastPathComponent
        rootName = folder ?? Self.folderName(fromFile: name)
        if isDirectory {
            let manifestPath = (path as NSString).appendingPathComponent("manifest.json")
            if let data = FileManager.default.contents(atPath: manifestPath) { try useManifest(data) }
            try walkDirectory(path, components: [])
        } else if ArchiveInput.handles(fileName: name) {
            try importArchive(path)
        } else {
            try importFile(SourceFile(components: [name], modified: Self.modified(path)) { body in try Self.readFile(path, body) }, single: true)
        }
    }

    // MARK: - Directories and archives

    mutating func walkDirectory(_ root: String, components: [String]) throws {
        let directory = ([root] + components).joined(separator: "/")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        if names.contains("dovecot-keywords"), let text = FileManager.default.contents(atPath: directory + "/dovecot-keywords") {
            keywords[components.joined(separator: "/")] = Self.keywords(String(decoding: text, as: UTF8.self))
        }
        for name in names {
            let path = directory + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                if name == "tmp" { continue }
                try walkDirectory(root, components: components + [name])
            } else if !(components.isEmpty && name == "manifest.json") {
                try importFile(SourceFile(components: components + [name], modified: Self.modified(path)) { body in try Self.readFile(path, body) }, single: false)
            }
        }
    }

    /// An archive is read twice when it may be an export: its manifest is its last entry.
    mutating func importArchive(_ path: String) throws {
        do {
            let first = try ArchiveInput(path: path)
            while let entry = try first.next() {
                guard entry.isFile, Self.cleanComponents(entry.name) == ["manifest.json"] else { continue }
                var data = Data()
                try first.forEachChunk { data.append(contentsOf: $0) }
                try useManifest(data)
            }
        } catch is ImportArchiveError {
            // A damaged archive: the second pass imports what lies before the damage, and reports it.
        }
        var entries = 0
        do {
            let input = try ArchiveInput(path: path)
            while let entry = try input.next() {
                let components = Self.cleanComponents(entry.name)
                guard entry.isFile, !components.isEmpty, components != ["manifest.json"] else { continue }
                if components.last == "dovecot-keywords" {
                    var data = Data()
                    try input.forEachChunk { data.append(contentsOf: $0) }
                    keywords[components.dropLast().joined(separator: "/")] = Self.keywords(String(decoding: data, as: UTF8.self))
                    continue
                }
                entries += 1
                try importFile(SourceFile(components: components, modified: nil) { body in try input.forEachChunk(body) }, single: false)
            }
        } catch let error as ImportArchiveError {
            sink.origin = (path as NSString).lastPathComponent
            sink.fail("\(error)" + (entries > 0 ? " (after \(entries) files; what came before was imported)" : ""))
        }
    }

    /// An archive entry's name as path components: `.`, `..` and empty components dropped, so
    /// `../../x` and `/etc/x` are only names (nothing is ever written by them).
    static func cleanComponents(_ name: String) -> [String] {
        name.split(separator: "/").map(String.init).filter { $0 != "." && $0 != ".." && !$0.isEmpty }
    }

    // MARK: - One file

    mutating func importFile(_ file: SourceFile, single: Bool) throws {
        do {
            try classify(file, single: single)
        } catch let skip as ImportSkip {
            sink.origin = file.components.joined(separator: "/")
            sink.fail(skip.description)
        }
    }

    mutating func classify(_ file: SourceFile, single: Bool) throws {
        let name = file.components.last ?? ""
        let lowered = name.lowercased()
        let relative = file.components.joined(separator: "/")
        if let listed = manifest?[relative] {
            try importListed(file, entries: listed)
            return
        }
        if lowered.hasSuffix(".msf") || name.hasPrefix(".") || name == "dovecot-keywords" || name.hasPrefix("dovecot") {
            return
        }
        let parents = Array(file.components.dropLast())
        if let last = parents.last, last == "cur" || last == "new" {
            try importMaildirMessage(file, folderComponents: Array(parents.dropLast()))
        } else if lowered.hasSuffix(".eml") {
            let folderName = parents.isEmpty ? rootName : ([folder].compactMap { $0 } + parents).joined(separator: "/")
            try importMessage(file, placement: ImportPlacement(folder: folderName), dateFromMtime: false)
        } else if lowered.hasSuffix(".mbox") || !name.contains(".") {
            let folderName =
                single
                ? rootName
                : (parents.map { $0.hasSuffix(".sbd") ? String($0.dropLast(4)) : $0 } + [Self.folderName(fromFile: name)])
                    .joined(separator: "/")
            try importMbox(file, folder: folderName, strict: lowered.hasSuffix(".mbox") || single)
        } else {
            sink.report.notes.append("\(relative): not a mail file, left out")
        }
    }

    /// One message in one file (`.eml`, Maildir).
    func importMessage(_ file: SourceFile, placement: ImportPlacement, dateFromMtime: Bool, limit: Int64? = nil) throws {
        try sink.begin(origin: file.components.joined(separator: "/"), limit: limit)
        try file.read { try sink.add($0) }
        var placement = placement
        if dateFromMtime, placement.internalDate == nil, let modified = file.modified {
            placement.internalDate = InternalDate(secondsSince1970: modified)
            placement.dateSource = "file-mtime"
        }
        try sink.end { _ in .success([placement]) }
    }

    /// A Maildir file: flags from its `:2,` info (keywords by `dovecot-keywords`), its folder from
    /// Maildir++ `.Sub.Folder` names and nested directories, its date from the file's mtime as
    /// Dovecot takes it.
    func importMaildirMessage(_ file: SourceFile, folderComponents: [String]) throws {
        var names: [String] = folder.map { [$0] } ?? []
        for component in folderComponents {
            if component.hasPrefix("."), component.count > 1 {
                names += component.dropFirst().split(separator: ".").map(String.init)
            } else {
                names.append(component)
            }
        }
        let folderName = names.isEmpty ? "INBOX" : names.joined(separator: "/")
        let flags = Self.maildirFlags(file.components.last ?? "", keywords: keywords[folderComponents.joined(separator: "/")] ?? [:])
        try importMessage(file, placement: ImportPlacement(folder: folderName, flags: flags), dateFromMtime: true)
    }

    /// The IMAP flags a Maildir file name's `:2,` info stands for.
    static func maildirFlags(_ name: String, keywords: [Character: String]) -> [String] {
        guard let range = name.range(of: ":2,", options: .backwards) else { return [] }
        var flags: [String] = []
        for letter in name[range.upperBound...] {
            switch letter {
            case "D": flags.append("\\Draft")
            case "F": flags.append("\\Flagged")
            case "R": flags.append("\\Answered")
            case "S": flags.append("\\Seen")
            case "T": flags.append("\\Deleted")
            default: if let keyword = keywords[letter] { flags.append(keyword) }
            }
        }
        return flags
    }

    /// `dovecot-keywords`: `<index> <name>` lines; index 0 is letter `a`.
    static func keywords(_ text: String) -> [Character: String] {
        var result: [Character: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, let index = Int(parts[0]), (0..<26).contains(index) else { continue }
            result[Character(UnicodeScalar(UInt8(ascii: "a") + UInt8(index)))] = String(parts[1])
        }
        return result
    }

    // MARK: - mbox

    /// An mbox file: each message with the date of its `From ` line; a Google Takeout message
    /// placed by its `X-Gmail-Labels`. A file that is no mbox is reported when it was asked for
    /// (`strict`: a `.mbox` name, or the one file given) and otherwise left out with a note.
    func importMbox(_ file: SourceFile, folder folderName: String, strict: Bool, listed: [ManifestEntry]? = nil) throws {
        let origin = file.components.joined(separator: "/")
        let chosen = variant ?? (listed != nil ? .mboxrd : .mboxo)
        var splitter = MboxSplitter(variant: chosen)
        var fromLine: MboxFromLine?
        var empty = true
        // The splitter is busy while it hands out events: the closure counts messages itself.
        var index = -1
        let handle: (MboxSplitter.Event) throws -> Void = { event in
            switch event {
            case .start(let line):
                fromLine = line
                index += 1
                let entries = listed?.filter { $0.entry == index }
                try sink.begin(origin: "\(origin) message \(index + 1)", limit: entries?.first.map(\.size))
            case .bytes(let bytes): try sink.add(bytes)
            case .end:
                if let listed {
                    try sink.end { bytes in Self.placements(listed.filter { $0.entry == index }, bytes: bytes) }
                } else {
                    try sink.end { bytes in .success(Self.placements(bytes: bytes, folder: folderName, fromLine: fromLine)) }
                }
            }
        }
        do {
            try file.read { chunk in
                if !chunk.isEmpty { empty = false }
                try splitter.feed(chunk, handle)
            }
            if empty, !strict { return }
            try splitter.finish(handle)
        } catch let error as MboxSplitter.NotAnMbox {
            sink.discardCurrent()
            if strict || splitter.messages > 0 {
                sink.report.skipped.append("\(origin): \(error)")
            } else {
                sink.report.notes.append("\(origin): \(error); left out")
            }
            return
        }
        if splitter.ambiguousLines > 0, variant == nil, listed == nil {
            sink.report.notes.append(
                "\(origin): read as \(chosen.rawValue); \(splitter.ambiguousLines) `>>From ` lines kept one more `>` "
                    + "than mboxrd would (--mbox-variant mboxrd if the file is mboxrd)")
        }
    }

    /// Where an mbox message goes: its Gmail labels when it has them, else the file's folder.
    static func placements(bytes: ImportedBytes, folder: String, fromLine: MboxFromLine?) -> [ImportPlacement] {
        var date: InternalDate?
        if let line = fromLine {
            date = InternalDate(
                year: line.year, month: line.month, day: line.day, hour: line.hour, minute: line.minute,
                second: line.second, zoneMinutes: line.zoneMinutes)
        }
        let base = ImportPlacement(folder: folder, internalDate: date, dateSource: date == nil ? nil : "mbox-from-line")
        let fields = HeaderFields(parsing: bytes.header)
        guard let labels = fields["X-Gmail-Labels"] else { return [base] }
        return GmailLabels(labels).placements(base)
    }

    // MARK: - A mailferry export

    mutating func useManifest(_ data: Data) throws {
        guard let decoded = try? JSONDecoder().decode(Manifest.self, from: data) else {
            sink.report.notes.append("manifest.json is not a mailferry export manifest: read as plain files")
            return
        }
        manifest = Dictionary(grouping: decoded.messages, by: \.file)
        manifestFormat = decoded.format.rawValue
        if Set(decoded.messages.map(\.account)).count > 1 {
            sink.report.notes.append("the export holds several accounts: all imported into one")
        }
    }

    func importListed(_ file: SourceFile, entries: [ManifestEntry]) throws {
        if entries.contains(where: { $0.entry != nil }) {
            try importMbox(file, folder: entries[0].folder, strict: true, listed: entries)
            return
        }
        try sink.begin(origin: file.components.joined(separator: "/"), limit: entries.first.map(\.size))
        try file.read { try sink.add($0) }
        try sink.end { bytes in Self.placements(entries, bytes: bytes) }
    }

    /// The manifest's placements of a message: only when its bytes are the ones listed.
    static func placements(_ entries: [ManifestEntry], bytes: ImportedBytes) -> Result<[ImportPlacement], ImportSkip> {
        let matching = entries.filter { $0.sha256 == bytes.sha256Hex }
        guard !matching.isEmpty else {
            return .failure(ImportSkip(description: "its bytes are not the ones the manifest lists (SHA-256 differs)"))
        }
        return .success(
            matching.map { entry in
                ImportPlacement(
                    folder: entry.folder, delimiter: entry.delimiter.flatMap(\.first) ?? "/", flags: entry.flags,
                    internalDate: InternalDate(entry.internalDate), dateSource: "manifest")
            })
    }

    // MARK: - Helpers

    /// A folder name from a file name: without `.mbox`/`.mbx`/`.eml` and the like.
    static func folderName(fromFile name: String) -> String {
        for suffix in [".mbox", ".mbx", ".eml", ".tar.gz", ".tar.xz", ".tar.zst", ".tar.bz2", ".tgz", ".txz", ".tar", ".zip"] where name.lowercased().hasSuffix(suffix) {
            return String(name.dropLast(suffix.count))
        }
        return name
    }

    static func modified(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_mtim.tv_sec)
    }

    static func readFile(_ path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ImportSkip(description: "\(path): cannot open it (\(String(cString: strerror(errno))))")
        }
        defer { try? handle.close() }
        while let data = try handle.read(upToCount: 1 << 16), !data.isEmpty {
            try data.withUnsafeBytes { try body($0) }
        }
    }
}

/// A Google Takeout message's `X-Gmail-Labels`: system labels become folders and flags as Gmail's
/// IMAP shows them (Inbox → INBOX, Sent → Sent, Spam → Junk; `Unread` absent → `\Seen`,
/// `Starred` → `\Flagged`, `Important` → `$Important`); `Opened` only restates `Unread`;
/// `Category …` labels become keywords (`$CategoryUpdates`); other labels are folders of their
/// own name; a message with no folder label stays in the file's folder (Gmail's All Mail).
struct GmailLabels {
    var labels: [String]

    init(_ header: String) {
        var labels: [String] = []
        var current = ""
        var quoted = false
        for character in header {
            switch character {
            case "\"": quoted.toggle()
            case "," where !quoted:
                labels.append(current)
                current = ""
            default: current.append(character)
            }
        }
        labels.append(current)
        self.labels = labels.map { EncodedWords.decode($0.trimmingCharacters(in: .whitespaces)) }.filter { !$0.isEmpty }
    }

    static let folders = ["Inbox": "INBOX", "Sent": "Sent", "Drafts": "Drafts", "Spam": "Junk", "Trash": "Trash", "Chat": "Chats"]

    func placements(_ base: ImportPlacement) -> [ImportPlacement] {
        var flags: [String] = []
        if !labels.contains("Unread") { flags.append("\\Seen") }
        if labels.contains("Starred") { flags.append("\\Flagged") }
        if labels.contains("Important") { flags.append("$Important") }
        var folders: [String] = []
        for label in labels {
            if let folder = Self.folders[label] {
                folders.append(folder)
            } else if label.hasPrefix("Category ") {
                flags.append("$Category" + label.dropFirst(9).filter { !$0.isWhitespace })
            } else if !["Unread", "Starred", "Important", "Opened", "Archived"].contains(label) {
                folders.append(label)
            }
        }
        if folders.isEmpty { folders = [base.folder] }
        var seen: Set<String> = []
        return folders.filter { seen.insert($0).inserted }.map { folder in
            var placement = base
            placement.folder = folder
            placement.flags = flags
            return placement
        }
    }
}
