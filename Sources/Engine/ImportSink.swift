import Archives
import Catalog
import Foundation
import IMAPCore
import MIME
import MailCore

/// Where one imported message goes: a folder (its real name), flags and keywords, INTERNALDATE.
struct ImportPlacement {
    var folder: String
    var delimiter: Character? = "/"
    var flags: [String] = []
    var internalDate: InternalDate?
    /// Where the date came from: `mbox-from-line`, `date-header`, `file-mtime`, `manifest`, `import-time`.
    var dateSource: String?
}

/// What the sink knows of a message once its bytes are in: for deciding its placements.
struct ImportedBytes {
    var sha256Hex: String
    var size: Int
    var summary: MessageSummary
    /// The header block (at most `HeaderCapture.maximum` bytes).
    var header: [UInt8]
}

/// Takes imported messages one at a time, streamed, and stores each exactly as the backup does:
/// the bytes land in a holding `tmp/` while they are hashed and indexed, then go (as hard links)
/// into the `tmp/` of every folder they are placed in, and each folder's batches are committed by
/// the backup's own `BatchCommitter` (DESIGN.md "Order of writes"). A message whose bytes the
/// folder already holds is not added again: importing twice adds nothing.
final class ImportSink {
    final class FolderState {
        var record: FolderRecord
        let directory: String
        let committer: BatchCommitter
        let mbox: MboxFile?
        var known: Set<Data>
        var nextUID: Int64
        var batch: [FetchedMessage] = []
        var batchBytes = 0

        init(
            record: FolderRecord, directory: String, committer: BatchCommitter, mbox: MboxFile?, known: Set<Data>,
            nextUID: Int64
        ) {
            self.record = record
            self.directory = directory
            self.committer = committer
            self.mbox = mbox
            self.known = known
            self.nextUID = nextUID
        }
    }

    static let holdingFolder = ".import"

    let catalog: Catalog
    let archives: ArchiveSet
    let accountID: Int64
    let accountDirectory: String
    let clock: @Sendable () -> Int64
    let limits: BatchPipeline.Limits
    let holding: MaildirStore
    var folders: [String: FolderState] = [:]
    var takenPaths: Set<String>
    var existing: [FolderRecord]
    var report: ImportReport

    // The message being streamed.
    var current: InFlightMessage?
    var header = HeaderCapture()
    var origin = ""
    var limit: Int64?
    var received: Int64 = 0

    init(
        catalog: Catalog, archives: ArchiveSet, directory: String, accountID: Int64, accountName: String,
        clock: @escaping @Sendable () -> Int64, report: ImportReport, limits: BatchPipeline.Limits = .init()
    ) throws {
        self.catalog = catalog
        self.archives = archives
        self.accountID = accountID
        self.accountDirectory = PathComponent.escape(accountName)
        self.clock = clock
        self.limits = limits
        self.report = report
        holding = MaildirStore(root: (directory as NSString).appendingPathComponent(".staging"))
        try holding.ensureFolder(Self.holdingFolder)
        holding.clearTemporary(in: Self.holdingFolder)
        existing = try catalog.folders(accountID: accountID)
        takenPaths = try catalog.folderPaths(accountID: accountID)
    }

    // MARK: - One message

    /// Starts a message; `limit` cuts its bytes at a known size (an export's manifest).
    func begin(origin: String, limit: Int64? = nil) throws {
        discardCurrent()
        let message = InFlightMessage()
        message.file = try holding.createTemporary(in: Self.holdingFolder)
        current = message
        header = HeaderCapture()
        self.origin = origin
        self.limit = limit
        received = 0
    }

    func add(_ chunk: UnsafeRawBufferPointer) throws {
        guard let current else { return }
        var bytes = chunk
        if let limit {
            let room = Int(max(0, limit - received))
            if room < bytes.count { bytes = UnsafeRawBufferPointer(rebasing: bytes[0..<room]) }
        }
        received += Int64(bytes.count)
        header.add(bytes)
        try current.consume(bytes)
    }

    /// Ends the message: `placements` decides where it goes (nil or a reason to skip it).
    func end(_ placements: (ImportedBytes) -> Result<[ImportPlacement], ImportSkip>) throws {
        guard let message = current, let file = message.file else { return }
        current = nil
        message.file = nil
        defer { file.discard() }
        let digest = message.finishHash()
        let summary = message.indexer.finish()
        let bytes = ImportedBytes(sha256Hex: digest.hex, size: file.size, summary: summary, header: header.bytes)
        if let problem = Self.unparsable(header.bytes, size: file.size) {
            skip(problem)
            return
        }
        let chosen: [ImportPlacement]
        switch placements(bytes) {
        case .success(let list): chosen = list
        case .failure(let reason):
            skip(reason.description)
            return
        }
        try file.closeUnsynced()
        let sha = Data(digest.bytes)
        var placedOnce = false
        for placement in chosen {
            let state = try folder(placement.folder, delimiter: placement.delimiter)
            guard state.known.insert(sha).inserted else {
                report.alreadyThere += 1
                continue
            }
            let linked = try archives.staging.linkTemporary(file.path, into: state.directory)
            let date =
                placement.internalDate.map { ($0, placement.dateSource) }
                ?? summary.date.map { (InternalDate(secondsSince1970: $0), "date-header") }
                ?? (InternalDate(secondsSince1970: clock()), "import-time")
            state.batch.append(
                FetchedMessage(
                    uid: state.nextUID, sha256: sha, shaHex: digest.hex, size: bytes.size, flags: placement.flags,
                    modseq: nil, internalDate: date.0, summary: IndexedFields(summary), file: linked,
                    internalDateSource: date.1, envelopeSender: summary.envelopeSender))
            state.nextUID += 1
            state.batchBytes += bytes.size
            report.placements += 1
            report.folders[placement.folder, default: 0] += 1
            if !placedOnce {
                placedOnce = true
                report.messages += 1
                report.bytes += Int64(bytes.size)
            }
            if state.batch.count >= limits.messages || state.batchBytes >= limits.bytes { try commit(state) }
        }
    }

    /// Leaves out the message being streamed, with a reason.
    func fail(_ reason: String) {
        discardCurrent()
        skip(reason)
    }

    func skip(_ reason: String) {
        report.skipped.append("\(origin): \(reason)")
    }

    func discardCurrent() {
        current?.discard()
        current = nil
    }

    /// Why bytes are not a message mailferry stores, or nil: empty; lines ending in a bare CR
    /// (they cannot be restored byte-exact); no header field on the first line.
    static func unparsable(_ header: [UInt8], size: Int) -> String? {
        guard size > 0 else { return "empty: not a message" }
        let firstLine = header.prefix { $0 != 0x0A }
        if firstLine.count == header.count, header.contains(0x0D), !header.contains(0x0A) {
            return "its lines end in a bare CR (old Mac line ends): left out, convert the line ends and import it again"
        }
        guard let colon = firstLine.firstIndex(of: UInt8(ascii: ":")), colon > firstLine.startIndex,
            firstLine[..<colon].allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { return "cannot be parsed: it does not start with a header field" }
        return nil
    }

    // MARK: - Folders and batches

    func folder(_ name: String, delimiter: Character?) throws -> FolderState {
        if let state = folders[name] { return state }
        let raw = Data(ModifiedUTF7.encode(name))
        var record: FolderRecord
        if let known = existing.first(where: { $0.rawName == raw }) ?? existing.first(where: { $0.name == name }) {
            record = known
        } else {
            let path = BackupJob.uniquePath(FolderPath(name: name, delimiter: delimiter), taken: &takenPaths)
            let now = clock()
            record = FolderRecord(
                accountId: accountID, rawName: raw, name: name, delimiter: delimiter.map { String($0) }, specialUse: nil,
                path: path, firstSeen: now, lastSeen: now)
            try catalog.save(&record)
            existing.append(record)
        }
        let directory = accountDirectory + "/" + record.path
        let folderID = record.id!
        try archives.staging.ensureFolder(directory)
        archives.staging.clearTemporary(in: directory)
        var folderReport = FolderReport(name: record.name, path: record.path)
        let mbox = try archives.openMbox(folderDirectory: directory, folderID: folderID, catalog: catalog, report: &folderReport)
        report.notes += folderReport.notes
        let catalog = self.catalog
        let clock = self.clock
        let committer = BatchCommitter(
            catalog: catalog, archives: archives, mbox: mbox, folderDirectory: directory, folderID: folderID,
            uidValidity: Catalog.importUIDValidity, clock: clock, progress: SilentProgress(), expected: [], highWater: 0,
            orphans: BatchCommitter.strays(in: directory, folderID: folderID, archives: archives, catalog: catalog).orphans,
            reusable: [:]
        ) { stored, _, _ in
            try catalog.recordImported(stored, folderID: folderID, now: clock())
        }
        let state = FolderState(
            record: record, directory: directory, committer: committer, mbox: mbox,
            known: Set(try catalog.folderContents(folderID: folderID).keys),
            nextUID: try catalog.nextImportUID(folderID: folderID))
        folders[name] = state
        return state
    }

    func commit(_ state: FolderState) throws {
        guard !state.batch.isEmpty else { return }
        let batch = state.batch
        state.batch = []
        state.batchBytes = 0
        let outcome = try state.committer.commit(batch)
        report.deduplicated += outcome.deduplicated
    }

    /// Commits what is gathered in every folder and closes their mbox files.
    func finish() throws {
        discardCurrent()
        defer { for state in folders.values { state.mbox?.close() } }
        for state in folders.values {
            try commit(state)
            state.record.lastSeen = clock()
            try catalog.save(&state.record)
        }
    }

    /// After a failure: the gathered batches' files leave `tmp/`.
    func abandon() {
        discardCurrent()
        for state in folders.values {
            for message in state.batch { message.file.discard() }
            state.batch = []
            state.mbox?.close()
        }
    }
}

/// Why a message was left out.
struct ImportSkip: Error, CustomStringConvertible {
    var description: String
}
