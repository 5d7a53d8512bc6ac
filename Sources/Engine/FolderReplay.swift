import Archives
import Catalog
import Foundation
import IMAPClient
import IMAPCore

/// One destination folder of a replay and the source folders that map to it.
struct FolderPlan: Sendable {
    var destination: String
    var sources: [FolderRecord]
    var exists: Bool
    /// Messages the labels policy puts only into other folders of the run.
    var elsewhere: Set<Data> = []
}

/// Replays the selected messages of some source folders into one destination folder.
///
/// Order of writes (DESIGN.md step 4): per batch, `pending` rows are committed before any APPEND is
/// sent, `done` rows after the server's OK. A message whose row is `pending` at the start (a run
/// that died between the two) or that the destination folder might hold already (it is not empty)
/// is looked up there first (Message-ID and size, confirmed by hash) and appended only if missing.
final class FolderReplay {
    let destination: ReplayDestination
    let source: ReplaySource
    let catalog: Catalog
    let archives: ArchiveSet
    let plan: FolderPlan
    let options: ReplayOptions
    let progress: any ProgressSink
    let clock: @Sendable () -> Int64
    var report: ReplayFolderReport
    let mailbox: MailboxName
    let sourceNames: [Int64: String]
    /// The destination folder's sizes and Message-IDs, read once for the lookups of all pages.
    var headerIndex: DestinationLookup.HeaderIndex?

    init(
        destination: ReplayDestination, source: ReplaySource, archives: ArchiveSet, plan: FolderPlan,
        options: ReplayOptions, progress: any ProgressSink, clock: @escaping @Sendable () -> Int64
    ) {
        self.destination = destination
        self.source = source
        self.catalog = source.catalog
        self.archives = archives
        self.plan = plan
        self.options = options
        self.progress = progress
        self.clock = clock
        report = ReplayFolderReport(sources: plan.sources.map(\.name), destination: plan.destination)
        mailbox = MailboxName(plan.destination)
        sourceNames = Dictionary(plan.sources.map { ($0.id!, $0.name) }, uniquingKeysWith: { a, _ in a })
    }

    var folderKey: Data { Data(mailbox.bytes) }

    func run(index: Int, count: Int) async throws -> ReplayFolderReport {
        // A page of the selection at a time: memory does not grow with the folder.
        let pages = source.pages(plan, size: options.pageMessages)
        func counted() -> ReplayFolderReport {
            report.filteredOut = pages.selected.filteredOut
            report.merged = pages.selected.merged
            report.elsewhere = pages.selected.elsewhere
            return report
        }
        var page = try pages.next()
        // An empty source folder is recreated; one the filters emptied is not.
        guard page != nil || (pages.selected.sourceIsEmpty && source.selection.isUnfiltered) else { return counted() }
        report.created = !plan.exists
        if !plan.exists {
            if options.dryRun {
                while let current = page {
                    report.planned += current.count
                    report.plannedBytes += current.reduce(0) { $0 + $1.size }
                    page = try pages.next()
                }
                started(index: index, count: count, messages: report.planned, bytes: report.plannedBytes)
                return counted()
            }
            try await destination.create(plan.destination)
        }
        let estimate = try catalog.replayEstimate(
            folderIDs: plan.sources.map { $0.id! }, selection: source.selection, destination: destination.identity,
            folder: folderKey)
        if plan.exists, estimate.pending {
            try await destination.settle(mailbox, interval: options.settleInterval, rounds: options.settleRounds)
        }
        let status = try await destination.status(mailbox)
        // What is left by the replay log; the lookup may find some of it there already.
        started(index: index, count: count, messages: estimate.messages, bytes: estimate.bytes)
        while let candidates = page {
            try await replay(candidates, status: status)
            page = try pages.next()
        }
        return counted()
    }

    /// Appends what of one page the replay log and the lookup do not show on the destination.
    func replay(
        _ candidates: [ReplayCandidate], status: (uidValidity: Int64?, messages: Int, appendLimit: Int64?)
    ) async throws {
        let log = try catalog.replayLog(
            destination: destination.identity, folder: folderKey, messages: candidates.map(\.sha256))
        var unknown: [ReplayCandidate] = []
        var todo: [ReplayCandidate] = []
        for candidate in candidates {
            if let limit = status.appendLimit, candidate.size > limit {
                let source = sourceNames[candidate.folderID] ?? "?"
                report.tooBig.append(
                    "\(source) UID \(candidate.uid): \(candidate.size) bytes, over the destination's APPENDLIMIT of "
                        + "\(limit) bytes: not appended")
            } else if let entry = log[candidate.sha256], entry.state == .done,
                entry.uidValidity == nil || entry.uidValidity == status.uidValidity
            {
                report.alreadyRestored += 1
            } else if status.messages > 0 {
                unknown.append(candidate)
            } else {
                todo.append(candidate)
            }
        }
        // Source order is kept: what was not looked up, and what the lookup did not find.
        let toAppend = Set(todo.map(\.placementID)).union(try await lookUp(unknown, uidValidity: status.uidValidity))
        todo = candidates.filter { toAppend.contains($0.placementID) }
        report.planned += todo.count
        report.plannedBytes += todo.reduce(0) { $0 + $1.size }
        guard !options.dryRun else { return }
        var start = 0
        while start < todo.count {
            var end = start
            var bytes: Int64 = 0
            while end < todo.count, end - start < options.batchMessages,
                end == start || bytes < Int64(options.batchBytes)
            {
                bytes += todo[end].size
                end += 1
            }
            try await append(Array(todo[start..<end]), uidValidity: status.uidValidity)
            start = end
        }
    }

    func started(index: Int, count: Int, messages: Int, bytes: Int64) {
        progress.report(
            .folderStarted(name: plan.destination, index: index, count: count, messages: messages, bytes: bytes))
    }

    /// Looks up messages the destination may hold already; records the ones found as done and returns the
    /// placements of the others.
    func lookUp(_ unknown: [ReplayCandidate], uidValidity: Int64?) async throws -> Set<Int64> {
        guard !unknown.isEmpty else { return [] }
        var items: [LookupItem] = []
        var readable: [ReplayCandidate] = []
        for candidate in unknown {
            guard let file = open(candidate) else { continue }
            do {
                let fingerprint = try MessageFingerprint(file: file)
                guard fingerprint.exact.sha256 == candidate.sha256 else {
                    fail(candidate, "the archived copy \(file.path) does not match its catalog hash (damaged copy)")
                    continue
                }
                items.append(
                    LookupItem(sha256: candidate.sha256, messageID: candidate.messageID, fingerprint: fingerprint))
                readable.append(candidate)
            } catch {
                fail(candidate, "\(error)")
            }
        }
        let lookup = DestinationLookup(session: destination.session, searchLimit: options.searchLookupLimit)
        let found = try await lookup.find(items, in: mailbox, index: &headerIndex)
        report.alreadyPresent += found.count
        if !options.dryRun {
            try catalog.recordReplay(
                found.map {
                    ReplayLogEntry(sha256: $0.key, state: .done, found: true, uidValidity: uidValidity, uid: $0.value)
                },
                destination: destination.identity, folder: folderKey, now: clock())
        }
        return Set(readable.filter { found[$0.sha256] == nil }.map(\.placementID))
    }

    func record(done: [ReplayLogEntry], refused: [Data]) throws {
        try catalog.recordReplay(done, destination: destination.identity, folder: folderKey, now: clock())
        try catalog.forgetPendingReplay(refused, destination: destination.identity, folder: folderKey)
    }

    /// The archived copy of a placement (Maildir file or mbox entry), or nil (reported) when it is missing or
    /// not the size the catalog says.
    func open(_ candidate: ReplayCandidate) -> (any ArchivedMessage)? {
        do {
            guard let file = try archives.open(candidate) else {
                fail(candidate, "the backup holds no copy of it")
                return nil
            }
            guard file.size == Int(candidate.size) else {
                fail(
                    candidate,
                    "the archived copy \(file.path) is \(file.size) bytes, the catalog says \(candidate.size)")
                return nil
            }
            return file
        } catch {
            fail(candidate, "\(error)")
            return nil
        }
    }

    func fail(_ candidate: ReplayCandidate, _ reason: String) {
        let source = sourceNames[candidate.folderID] ?? "?"
        report.failedMessages.append("\(source) UID \(candidate.uid): \(reason)")
    }
}
