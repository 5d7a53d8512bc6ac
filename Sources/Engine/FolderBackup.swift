import Archives
import Catalog
import Foundation
import IMAPClient
import IMAPCore
import MIME
import MailCore

/// Backs up one IMAP folder incrementally (DESIGN.md "Incremental IMAP backup, per folder").
///
/// Order of writes: bytes into `tmp/`, fsync, rename into `cur/`, fsync `cur/`, append to the
/// folder's mbox and fsync it (as the job's formats say), then one catalog transaction per batch
/// that records the messages and advances the high-water mark. A crash at any point leaves at
/// worst files the catalog does not know, which the next run adopts by hash, and an mbox tail it
/// does not know, which the next run cuts off.
final class FolderBackup {
    struct Limits {
        var batchMessages = 200
        var batchBytes = 32 << 20
        var fetchUIDsPerCommand = 250
        var fetchWindow = 4
    }

    let session: IMAPSession
    let catalog: Catalog
    let archives: ArchiveSet
    let listed: ListedMailbox
    var record: FolderRecord
    let folderDirectory: String
    let progress: any ProgressSink
    let clock: @Sendable () -> Int64
    let limits: Limits
    let journal: WriteJournal?
    /// Opens the folder even when LIST-STATUS says nothing changed.
    var fullPass = false
    /// The account's `max_bytes_per_day`, shared with the run's other folders.
    var budget: ByteBudget?
    /// The budget held new messages back: the folder is not complete.
    var heldBack = false
    var report: FolderReport

    // State of one pass.
    var uidValidity: Int64 = 0
    /// UIDs received in this pass (a server may send a message twice).
    var received: Set<Int64> = []
    var pipeline: BatchPipeline?
    var orphans: [Substring: [String]] = [:]
    var reusable: [Data: String] = [:]
    var live: [Int64: LivePlacement] = [:]
    var expected: [Int64] = []
    var expectedSet: Set<Int64> = []
    var position = (index: 0, count: 0)
    var highWater: Int64 = 0
    var current: InFlightMessage?
    var mbox: MboxFile?

    init(
        session: IMAPSession, catalog: Catalog, archives: ArchiveSet, listed: ListedMailbox, record: FolderRecord,
        folderDirectory: String, progress: any ProgressSink, clock: @escaping @Sendable () -> Int64,
        limits: Limits = Limits(), journal: WriteJournal? = nil
    ) {
        self.session = session
        self.catalog = catalog
        self.archives = archives
        self.listed = listed
        self.record = record
        self.folderDirectory = folderDirectory
        self.progress = progress
        self.clock = clock
        self.limits = limits
        self.journal = journal
        self.report = FolderReport(name: record.name, path: record.path)
    }

    /// True when LIST-STATUS shows nothing changed since the last complete pass.
    var isUnchangedOnServer: Bool {
        guard !fullPass else { return false }
        guard let validity = listed.status["UIDVALIDITY"], let next = listed.status["UIDNEXT"],
            let messages = listed.status["MESSAGES"]
        else { return false }
        guard Int64(validity) == record.uidValidity, Int64(next) == record.uidNext,
            Int64(messages) == record.serverMessages
        else { return false }
        guard session.hasCapability("CONDSTORE") else { return false }
        guard let modseq = listed.status["HIGHESTMODSEQ"], let known = record.highestModseq else { return false }
        return Int64(modseq) == known
    }

    func run(index: Int, count: Int) async throws -> FolderReport {
        position = (index, count)
        // Before anything else: a torn mbox tail is cut off even when the server has nothing new.
        mbox = try archives.openMbox(folderDirectory: folderDirectory, folderID: record.id!, catalog: catalog, report: &report)
        defer { mbox?.close() }
        if isUnchangedOnServer {
            report.unchanged = true
            progress.report(.folderStarted(name: record.name, index: index, count: count, messages: 0, bytes: 0))
            return report
        }
        let selected = try await session.open(listed.name)
        guard let validity = selected.uidValidity else {
            throw IMAPError.protocolViolation("EXAMINE \(record.name) gave no UIDVALIDITY")
        }
        uidValidity = Int64(validity)
        try archives.staging.ensureFolder(folderDirectory)
        archives.staging.clearTemporary(in: folderDirectory)
        let now = clock()
        if let previous = record.uidValidity, previous != uidValidity {
            // A new UID space: the old placements are retired, their files reused by hash. The
            // folder keeps the old UIDVALIDITY until the rescan is complete, so that a run killed
            // in the middle is followed by one that rescans again and still reuses the files.
            report.rescanned = true
            try journal.write(.catalog)
            _ = try catalog.retireUIDValidity(folderID: record.id!, keeping: uidValidity, now: now)
            record.highestUid = 0
            record.highestModseq = nil
            record.uidNext = nil
        } else {
            record.uidValidity = uidValidity
        }
        try journal.write(.folderRecord)
        try catalog.save(&record)
        try findStrays()
        live = try catalog.livePlacements(folderID: record.id!, uidValidity: uidValidity)
        if report.rescanned, archives.keepsMaildir {
            // Files a placement of this UID space already uses (an earlier, killed rescan) are taken.
            let taken = Set(live.values.compactMap(\.maildirPath))
            reusable = try catalog.folderContents(folderID: record.id!).compactMapValues(\.maildirPath)
                .filter { !taken.contains($0.value) }
        }

        try await fetchNewMessages(exists: selected.exists)
        try await refreshFlags(selected: selected)
        try await detectExpunges(exists: selected.exists)

        if report.failedMessages.isEmpty, !heldBack {
            record.uidValidity = uidValidity
            record.uidNext = selected.uidNext.map(Int64.init) ?? listed.status["UIDNEXT"].map(Int64.init)
            record.serverMessages = Int64(selected.exists)
            record.highestModseq = selected.noModSeq ? nil : selected.highestModSeq.map(Int64.init)
        } else {
            record.uidNext = nil
        }
        record.highestUid = max(record.highestUid, highWater)
        record.lastSeen = clock()
        record.goneAt = nil
        try journal.write(.folderRecord)
        try catalog.save(&record)
        return report
    }

    // MARK: - New messages

    func fetchNewMessages(exists: UInt32) async throws {
        guard exists > 0 else { return }
        let after = record.highestUid
        if let next = listed.status["UIDNEXT"], Int64(next) <= after + 1, !report.rescanned, record.uidValidity == uidValidity,
            live.count == Int(exists)
        {
            return
        }
        // Sizes first: one cheap round trip gives the UIDs to fetch and the bytes to expect.
        var sizes: [Int64: Int64] = [:]
        var uid: Int64?
        try await session.fetch([SequenceSet.from(UInt32(clamping: after + 1))], items: [.uid, .rfc822Size]) { event in
            switch event {
            case .fetchStart: uid = nil
            case .fetchAttribute(.uid(let value)): uid = Int64(value)
            case .fetchAttribute(.rfc822Size(let size)): if let uid { sizes[uid] = Int64(size) }
            case .fetchEnd: uid = nil
            default: break
            }
        }
        expected = sizes.keys.filter { $0 > after && live[$0] == nil }.sorted()
        expectedSet = Set(expected)
        highWater = after
        guard !expected.isEmpty else {
            highWater = max(after, sizes.keys.max() ?? after)
            return
        }
        if let budget {
            let taken = budget.take(expected.map { sizes[$0] ?? 0 })
            if taken < expected.count {
                let left = expected[taken...]
                report.notes.append(ByteBudget.note(left: left.count, bytes: left.reduce(0) { $0 + (sizes[$1] ?? 0) }))
                heldBack = true
                expected = Array(expected[..<taken])
                expectedSet = Set(expected)
                guard !expected.isEmpty else { return }
            }
        }
        let totalBytes = expected.reduce(Int64(0)) { $0 + (sizes[$1] ?? 0) }
        progress.report(
            .folderStarted(
                name: record.name, index: position.index, count: position.count, messages: expected.count,
                bytes: totalBytes))
        let sets = stride(from: 0, to: expected.count, by: limits.fetchUIDsPerCommand).map { start in
            SequenceSet(numbers: expected[start..<min(start + limits.fetchUIDsPerCommand, expected.count)].map { UInt32($0) })
        }
        var items = IMAPSession.backupItems
        if session.hasCapability("CONDSTORE") { items.append(.modSeq) }
        let committer = BatchCommitter(
            catalog: catalog, archives: archives, mbox: mbox, folderDirectory: folderDirectory, folderID: record.id!,
            uidValidity: uidValidity, clock: clock, progress: progress, expected: expected, highWater: after,
            orphans: orphans, reusable: reusable, journal: journal)
        let pipeline = BatchPipeline(
            committer: committer, limits: .init(messages: limits.batchMessages, bytes: limits.batchBytes),
            journal: journal
        ) { [unowned self] outcome in
            self.count(outcome)
        }
        self.pipeline = pipeline
        let completions: [IMAPSession.Completion]
        do {
            completions = try await session.pipeline(
                sets.map { .uidFetch($0, items, changedSince: nil) }, window: limits.fetchWindow, allowFailure: true
            ) { event in
                try await self.handle(event)
            }
            try await pipeline.finish()
        } catch {
            // Never leave a batch half-handled behind: wait for the one being committed.
            journal.cleanUp { current?.discard() }
            await pipeline.abandon()
            highWater = committer.highWater
            throw error
        }
        highWater = committer.highWater
        for completion in completions where completion.tagged.status != .ok {
            report.failedMessages.append("UID FETCH failed: \(completion.tagged.status.rawValue) \(completion.tagged.text)")
        }
        let saved = committer.saved
        for uid in expected where !saved.contains(uid) {
            report.failedMessages.append("UID \(uid): the server did not send the message")
        }
    }

    /// Counts a committed batch.
    func count(_ outcome: BatchCommitter.Outcome) {
        for message in outcome.stored {
            live[message.uid] = LivePlacement(id: 0, uid: message.uid, flags: message.flags, maildirPath: message.maildirPath)
            report.newMessages += 1
            report.newBytes += message.size
        }
        report.deduplicated += outcome.deduplicated
    }

    func handle(_ event: ResponseEvent) async throws {
        switch event {
        case .fetchStart:
            current = InFlightMessage()
        case .fetchAttribute(let attribute):
            current?.apply(attribute)
        case .fetchBodyStart(let section, _, let size):
            guard section.isEmpty, let message = current else { return }
            if size == nil { message.bodyMissing = true; return }
            message.file = try archives.staging.createTemporary(in: folderDirectory)
        case .fetchBodyChunk(let chunk):
            guard let message = current, message.file != nil else { return }
            try chunk.withUnsafeReadableBytes { try message.consume($0) }
        case .fetchBodyEnd:
            break
        case .fetchEnd:
            guard let message = current else { return }
            current = nil
            try await finish(message)
        default:
            break
        }
    }

    func finish(_ message: InFlightMessage) async throws {
        guard let uid = message.uid, expectedSet.contains(uid), !received.contains(uid) else {
            message.discard()
            return
        }
        guard let file = message.file, !message.bodyMissing, let date = message.internalDate else {
            // An unsolicited FETCH (flag news) or a message the server could not deliver.
            message.discard()
            return
        }
        received.insert(uid)
        let digest = message.finishHash()
        message.file = nil
        let summary = message.indexer.finish()
        try await pipeline?.add(
            FetchedMessage(
                uid: uid, sha256: Data(digest.bytes), shaHex: digest.hex, size: file.size,
                flags: message.flags.filter { $0.name.lowercased() != "\\recent" }.map(\.name),
                modseq: message.modSeq, internalDate: date, summary: IndexedFields(summary), file: file,
                envelopeSender: summary.envelopeSender))
    }

    /// Takes over what a killed run left: files to adopt when their UIDs are fetched, renames the
    /// catalog never heard of (recorded now), spare names of files it knows (removed: the flag
    /// pass then sees the flags as the catalog has them).
    func findStrays() throws {
        let strays = BatchCommitter.strays(in: folderDirectory, folderID: record.id!, archives: archives, catalog: catalog)
        orphans = strays.orphans
        if !strays.renamed.isEmpty {
            try journal.write(.catalog)
            try catalog.repoint(strays.renamed)
        }
        for name in strays.spare {
            try journal.write(.removeName)
            try archives.maildir.removeName(name)
        }
    }

    // MARK: - Flags and expunges

    func refreshFlags(selected: SelectedMailbox) async throws {
        let known = live.filter { $0.value.id != 0 }
        guard !known.isEmpty, let maxUID = known.keys.max() else { return }
        let range = SequenceSet(UInt32(clamping: known.keys.min()!)...UInt32(clamping: maxUID))
        var changedSince: UInt64? = nil
        if session.hasCapability("CONDSTORE"), !selected.noModSeq, let modseq = record.highestModseq {
            if let current = selected.highestModSeq, Int64(current) == modseq { return }
            changedSince = UInt64(modseq)
        }
        var serverUIDs: Set<Int64> = []
        var changes: [(placementID: Int64, flags: String, maildirPath: String?)] = []
        var uid: Int64?
        var flags: [Flag]?
        try await session.fetch([range], items: [.uid, .flags], changedSince: changedSince) { event in
            switch event {
            case .fetchStart:
                uid = nil
                flags = nil
            case .fetchAttribute(.uid(let value)): uid = Int64(value)
            case .fetchAttribute(.flags(let value)): flags = value
            case .fetchEnd:
                guard let uid, let flags, let placement = known[uid] else { return }
                serverUIDs.insert(uid)
                let names = flags.filter { $0.name.lowercased() != "\\recent" }.map(\.name)
                if Set(names) != Set(placement.flags.split(separator: " ").map(String.init)) {
                    changes.append((placement.id, names.joined(separator: " "), placement.maildirPath))
                }
            default: break
            }
        }
        // Each file first gets a second name showing its new flags; the old name goes once the
        // catalog holds the new one, so the catalog never names a file that is not there.
        var renamed: [(placementID: Int64, flags: String, maildirPath: String?)] = []
        var oldNames: [String] = []
        for change in changes {
            var path = change.maildirPath
            if let current = path {
                try journal.write(.flagRename)
                path = try archives.maildir.addName(current, flags: change.flags.split(separator: " ").map(String.init))
                if path != current { oldNames.append(current) }
            }
            renamed.append((change.placementID, change.flags, path))
        }
        if renamed.contains(where: { $0.maildirPath != nil }) {
            try journal.write(.syncDirectory)
            try archives.maildir.syncDirectory(folderDirectory + "/cur")
        }
        if !renamed.isEmpty { try journal.write(.catalog) }
        try catalog.updateFlags(renamed, now: clock())
        for name in oldNames {
            try journal.write(.removeName)
            try archives.maildir.removeName(name)
        }
        report.flagsChanged = renamed.count
        if changedSince == nil {
            // A full FLAGS pass also tells which UIDs are gone.
            let gone = known.filter { !serverUIDs.contains($0.key) }.map(\.value.id)
            if !gone.isEmpty { try journal.write(.catalog) }
            try catalog.markGone(gone, now: clock())
            report.gone += gone.count
            let goneIDs = Set(gone)
            live = live.filter { !goneIDs.contains($0.value.id) }
        }
    }

    func detectExpunges(exists: UInt32) async throws {
        guard live.count != Int(exists) else { return }
        let onServer = Set(try await session.uidSearch("ALL").map(Int64.init))
        let all = try catalog.livePlacements(folderID: record.id!, uidValidity: uidValidity)
        let gone = all.values.filter { !onServer.contains($0.uid) }.map(\.id)
        if !gone.isEmpty { try journal.write(.catalog) }
        try catalog.markGone(gone, now: clock())
        report.gone += gone.count
    }
}

/// A message being streamed from the server.
final class InFlightMessage {
    var uid: Int64?
    var flags: [Flag] = []
    var internalDate: InternalDate?
    var size: UInt64?
    var modSeq: UInt64?
    var file: MaildirTemporaryFile?
    var bodyMissing = false
    var hasher: SHA256Hasher? = SHA256Hasher()
    /// Indexes the bytes as they stream past: the message is never read back for the catalog.
    var indexer = MessageIndexer(limits: .init(maxTextBytes: BatchCommitter.searchTextLimit))

    func apply(_ attribute: FetchAttribute) {
        switch attribute {
        case .uid(let value): uid = Int64(value)
        case .flags(let value): flags = value
        case .internalDate(let value): internalDate = value
        case .rfc822Size(let value): size = value
        case .modSeq(let value): modSeq = value
        case .other: break
        }
    }

    func consume(_ bytes: UnsafeRawBufferPointer) throws {
        try file?.write(bytes)
        hasher?.update(bytes)
        indexer.feed(bytes)
    }

    func finishHash() -> SHA256Hasher.Digest {
        let digest = hasher.take()?.finalize()
        return digest ?? SHA256Hasher.hash([UInt8]())
    }

    func discard() {
        file?.discard()
        file = nil
    }
}

