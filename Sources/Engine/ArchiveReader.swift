import Archives
import Catalog
import Foundation
import MIME
import MailCore

/// Why an archived message cannot be read.
public enum ArchiveReadError: Error, Sendable, Hashable, CustomStringConvertible {
    case noSuchMessage(Int64)
    /// Every archived copy is missing or does not hash to the message's SHA-256.
    case noIntactCopy(Int64, problems: [String])

    public var description: String {
        switch self {
        case .noSuchMessage(let id): "the backup has no message with id \(id)"
        case .noIntactCopy(let id, let problems):
            "message \(id): no archived copy matches its SHA-256"
                + (problems.isEmpty ? " (the catalog records none)" : ": " + problems.joined(separator: "; "))
        }
    }
}

/// Reads archived messages back from a backup directory: the exact bytes of a Maildir file or
/// of an mbox entry.
public struct ArchiveReader: Sendable {
    public let catalog: Catalog
    let maildir: MaildirStore
    let mbox: MboxStore

    public init(directory: String, catalog: Catalog) {
        self.catalog = catalog
        maildir = MaildirStore(root: (directory as NSString).appendingPathComponent("maildir"))
        mbox = MboxStore(root: (directory as NSString).appendingPathComponent("mbox"))
    }

    /// Streams the message's exact bytes from the first archived copy that hashes to its
    /// SHA-256 (each copy is checked in a first pass, so nothing wrong is ever passed on).
    public func withVerifiedBytes(ofMessage id: Int64, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try intactCopy(ofMessage: id).read(body)
    }

    /// The first archived copy whose bytes hash to the message's SHA-256.
    func intactCopy(ofMessage id: Int64) throws -> Copy {
        guard let locations = try catalog.locations(ofMessage: id) else { throw ArchiveReadError.noSuchMessage(id) }
        var problems: [String] = []
        for copy in copies(locations) {
            var hasher = SHA256Hasher()
            var size: Int64 = 0
            do {
                try copy.read { bytes in
                    hasher.update(bytes)
                    size += Int64(bytes.count)
                }
            } catch {
                problems.append("\(copy.name): \(error)")
                continue
            }
            guard size == locations.size, Data(hasher.finalize().bytes) == locations.sha256 else {
                problems.append("\(copy.name): other bytes than recorded")
                continue
            }
            return copy
        }
        throw ArchiveReadError.noIntactCopy(id, problems: problems)
    }

    /// Streams the bytes of the first copy that can be read, unchecked (for re-reading text).
    func withBytes(ofMessage id: Int64, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let locations = try catalog.locations(ofMessage: id) else { throw ArchiveReadError.noSuchMessage(id) }
        var problems: [String] = []
        for copy in copies(locations) {
            do {
                try copy.read(body)
                return
            } catch {
                problems.append("\(copy.name): \(error)")
            }
        }
        throw ArchiveReadError.noIntactCopy(id, problems: problems)
    }

    /// Streams the message's header block exactly as stored: every line before the empty line that
    /// ends it (the whole message when there is none).
    public func withVerifiedHeader(ofMessage id: Int64, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var atLineStart = true
        var pendingCR = false
        var done = false
        var output: [UInt8] = []
        try withVerifiedBytes(ofMessage: id) { chunk in
            guard !done else { return }
            output.removeAll(keepingCapacity: true)
            for byte in chunk {
                if pendingCR {
                    pendingCR = false
                    if byte == 0x0A {
                        done = true
                        break
                    }
                    output.append(0x0D)
                    atLineStart = false
                }
                if atLineStart && byte == 0x0A {
                    done = true
                    break
                }
                if atLineStart && byte == 0x0D {
                    pendingCR = true
                    continue
                }
                output.append(byte)
                atLineStart = byte == 0x0A
            }
            try output.withUnsafeBytes { try body($0) }
        }
        if pendingCR && !done { try [UInt8(0x0D)].withUnsafeBytes { try body($0) } }
    }

    /// The message's header fields and text as a person reads them (`mailferry show`).
    public func readable(message id: Int64, textLimit: Int = 4 << 20) throws -> ReadableMessage {
        var indexer = MessageIndexer(limits: .init(maxTextBytes: textLimit))
        try withVerifiedBytes(ofMessage: id) { indexer.feed($0) }
        return ReadableMessage(indexer.finish())
    }

    /// The text a search's phrases are confirmed against, as the index saw it: subject,
    /// addresses and the first `BatchCommitter.searchTextLimit` bytes of body text.
    func indexedText(ofMessage id: Int64) throws -> (SearchTerm.Column) -> String {
        let text = try indexedColumns(ofMessage: id)
        return { column in
            switch column {
            case .subject: text.subject
            case .body: text.body
            case .addresses, .from, .to: text.addresses
            }
        }
    }

    /// The search index's columns for a message, extracted again from its bytes exactly as the
    /// backup extracted them when it indexed the message.
    func indexedColumns(ofMessage id: Int64) throws -> IndexedText {
        var indexer = MessageIndexer(limits: .init(maxTextBytes: BatchCommitter.searchTextLimit))
        try withBytes(ofMessage: id) { indexer.feed($0) }
        return IndexedText(IndexedFields(indexer.finish()))
    }

    /// True when the message's text holds every phrase (see `SearchQuery`: the index cannot tell).
    func matches(_ phrases: [SearchTerm], message id: Int64) throws -> Bool {
        guard !phrases.isEmpty else { return true }
        let text = try indexedText(ofMessage: id)
        return phrases.allSatisfy { $0.matches(text) }
    }

    struct Copy {
        var name: String
        var read: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void
    }

    func copies(_ locations: MessageLocations) -> [Copy] {
        let maildirCopies = locations.maildirPaths.map { path in
            Copy(name: "maildir/" + path) { body in try Self.readFile(maildir.root + "/" + path, body) }
        }
        let mboxCopies = locations.mboxEntries.map { entry in
            Copy(name: "mbox/\(entry.path) at byte \(entry.offset)") { body in
                try mbox.read(entry.path, offset: entry.offset, length: entry.length, size: locations.size, body)
            }
        }
        return maildirCopies + mboxCopies
    }

    static func readFile(_ path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ArchiveError("open", path: path, code: errno) }
        defer { try? handle.close() }
        while let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty {
            try chunk.withUnsafeBytes { try body($0) }
        }
    }
}

/// A message as `mailferry show` renders it by default.
public struct ReadableMessage: Sendable, Hashable, Codable {
    public var date: String?
    public var from: String?
    public var to: String?
    public var cc: String?
    public var subject: String?
    public var hasAttachments: Bool
    /// The text of its text/plain (or, failing that, text/html) parts, decoded to UTF-8.
    public var text: String
    public var textTruncated: Bool

    init(_ summary: MessageSummary) {
        let fields = IndexedFields(summary)
        date = summary.dateHeader
        from = fields.from
        to = fields.to
        cc = fields.cc
        subject = fields.subject
        hasAttachments = summary.hasAttachments
        text = summary.bodyText
        textTruncated = summary.bodyTextTruncated
    }
}
