import Archives
import Catalog
import Foundation
import MIME
import MailCore

/// What an export holds of each message: `Maildir` files, `mbox` files or `.eml` files.
public enum ExportFormat: String, Sendable, CaseIterable, Codable {
    case maildir
    case mbox
    case eml
}

/// The result of `mailferry export`.
public struct ExportReport: Codable, Sendable {
    public var file: String
    public var format: ExportFormat
    /// Placements written (an mbox entry shared by two placements counts twice).
    public var messages: Int
    /// Bytes of messages written, as stored (before mbox quoting and compression).
    public var bytes: Int64
    /// Messages left out because no archived copy matched their SHA-256.
    public var skipped: [String]
}

/// Writes a backup's folders into one tar or zip file, streaming (`ExportArchive`): the folder
/// structure under `<account>/<folder path>` as in the backup, each message read from a copy
/// whose SHA-256 matches the catalog, and `manifest.json` last, listing exactly what was written:
/// account, folder (its real name), file, SHA-256, size, flags, INTERNALDATE, UIDVALIDITY, UID.
public struct BackupExport {
    let reader: ArchiveReader

    public init(reader: ArchiveReader) {
        self.reader = reader
    }

    public func run(to path: String, format: ExportFormat, folder: String?, now: Int64) throws -> ExportReport {
        let placements = try reader.catalog.exportPlacements(folderGlob: folder)
        let archive = try ExportArchive(path: path)
        var report = ExportReport(file: path, format: format, messages: 0, bytes: 0, skipped: [])
        var manifest = Manifest(format: format, created: now, messages: [])
        var start = placements.startIndex
        while start < placements.endIndex {
            let first = placements[start]
            let end = placements[start...].firstIndex { $0.account != first.account || $0.folderPath != first.folderPath }
                ?? placements.endIndex
            let directory = PathComponent.escape(first.account) + "/" + first.folderPath
            var written: [(ExportPlacement, file: String, entry: Int?)] = []
            switch format {
            case .eml, .maildir:
                if format == .maildir {
                    for sub in ["cur", "new", "tmp"] { try archive.addDirectory(directory + "/" + sub, modified: now) }
                }
                for placement in placements[start..<end] {
                    guard let copy = intactCopy(placement, &report) else { continue }
                    let base = "\(placement.uidValidity)-\(placement.uid)"
                    let file =
                        format == .eml
                        ? directory + "/" + base + ".eml"
                        : directory + "/cur/" + base + ".mailferry" + MaildirStore.info(flags: placement.flags.words)
                    try archive.addFile(file, size: placement.size, modified: placement.internalDateUnix) { write in
                        try copy.read(write)
                    }
                    written.append((placement, file, nil))
                }
            case .mbox:
                written = try writeMbox(placements[start..<end], into: archive, file: directory + ".mbox", now: now, &report)
            }
            for (placement, file, entry) in written {
                report.messages += 1
                report.bytes += placement.size
                manifest.messages.append(ManifestEntry(placement, file: file, entry: entry))
            }
            start = end
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = try encoder.encode(manifest)
        try archive.addFile("manifest.json", size: Int64(json.count), modified: now) { write in
            try json.withUnsafeBytes { try write($0) }
        }
        try archive.finish()
        return report
    }

    /// One folder's mbox: a first pass sizes every entry (tar needs the size before the bytes), a
    /// second writes them. One entry per distinct message, as in the backup's own mbox files.
    func writeMbox(
        _ placements: ArraySlice<ExportPlacement>, into archive: ExportArchive, file: String, now: Int64,
        _ report: inout ExportReport
    ) throws -> [(ExportPlacement, file: String, entry: Int?)] {
        var entries: [(copy: ArchiveReader.Copy, fromLine: [UInt8])] = []
        var entryOf: [Int64: Int] = [:]
        var written: [(ExportPlacement, file: String, entry: Int?)] = []
        var total: Int64 = 0
        for placement in placements {
            if let index = entryOf[placement.messageID] {
                written.append((placement, file, index))
                continue
            }
            guard let copy = intactCopy(placement, &report) else { continue }
            var encoder = MboxEntryEncoder(fromLine: [])
            var indexer = MessageIndexer(limits: .init(maxTextBytes: 0))
            var output: [UInt8] = []
            var length: Int64 = 0
            try copy.read { chunk in
                indexer.feed(chunk)
                output.removeAll(keepingCapacity: true)
                encoder.add(chunk, into: &output)
                length += Int64(output.count)
            }
            output.removeAll(keepingCapacity: true)
            encoder.finish(into: &output)
            let fromLine = MboxStore.fromLine(sender: indexer.finish().envelopeSender, date: placement.internalDateUnix)
            total += length + Int64(output.count + fromLine.count)
            entryOf[placement.messageID] = entries.count
            written.append((placement, file, entries.count))
            entries.append((copy, fromLine))
        }
        guard !entries.isEmpty else { return [] }
        try archive.addFile(file, size: total, modified: now) { write in
            var output: [UInt8] = []
            for (copy, fromLine) in entries {
                var encoder = MboxEntryEncoder(fromLine: fromLine)
                try copy.read { chunk in
                    output.removeAll(keepingCapacity: true)
                    encoder.add(chunk, into: &output)
                    try output.withUnsafeBytes { try write($0) }
                }
                output.removeAll(keepingCapacity: true)
                encoder.finish(into: &output)
                try output.withUnsafeBytes { try write($0) }
            }
        }
        return written
    }

    func intactCopy(_ placement: ExportPlacement, _ report: inout ExportReport) -> ArchiveReader.Copy? {
        do {
            return try reader.intactCopy(ofMessage: placement.messageID)
        } catch {
            report.skipped.append("\(placement.account)/\(placement.folder) UID \(placement.uid): \(error)")
            return nil
        }
    }
}

/// `manifest.json` of an export.
struct Manifest: Codable {
    var version = 1
    var format: ExportFormat
    var created: Int64
    var messages: [ManifestEntry]
}

struct ManifestEntry: Codable {
    var account: String
    var folder: String
    var delimiter: String?
    var file: String
    /// mbox: the message's place in the file, counted from 0.
    var entry: Int?
    var sha256: String
    var size: Int64
    var flags: [String]
    var internalDate: String
    var uidValidity: Int64
    var uid: Int64
    var gone: Bool

    init(_ placement: ExportPlacement, file: String, entry: Int?) {
        account = placement.account
        folder = placement.folder
        delimiter = placement.delimiter
        self.file = file
        self.entry = entry
        sha256 = placement.sha256.map { String(format: "%02x", $0) }.joined()
        size = placement.size
        flags = placement.flags.words
        internalDate = placement.internalDate
        uidValidity = placement.uidValidity
        uid = placement.uid
        gone = placement.gone
    }
}

extension String {
    /// Space-separated words (a placement's flags).
    fileprivate var words: [String] { split(separator: " ").map(String.init) }
}
