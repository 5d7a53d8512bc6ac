import Archives
import Catalog
import Foundation

/// Retention (`prune_gone_after_days`): mail that has been gone from the server for longer than
/// the account keeps it is removed from the catalog and the Maildir. Only when a job asks: by
/// default a backup keeps everything it ever saw.
///
/// The order makes a crash harmless: each batch is one catalog transaction (placements, the
/// messages left without one and their search-index rows, emptied gone folders), and only after it
/// commits are the files no placement names removed. The transaction records them as pending
/// removals, so that a run killed before they are gone is followed by one that removes them
/// first; the catalog never names a file that is not there.
///
/// mbox files keep the bytes of pruned entries: an entry is not cut out of the middle of a file.
struct GonePruner {
    let catalog: Catalog
    let directory: String
    let accountID: Int64
    /// Placements per transaction.
    var batchSize = 500
    var journal: WriteJournal?

    /// Prunes what has been gone since `cutoff` (Unix seconds) or longer. A failure stops it and
    /// is reported; what was pruned before stays pruned.
    func prune(goneAtOrBefore cutoff: Int64) -> PruneReport {
        var outcome = PruneReport()
        do {
            try prune(goneAtOrBefore: cutoff, into: &outcome)
        } catch {
            outcome.error = "\(error)"
        }
        return outcome
    }

    func prune(goneAtOrBefore cutoff: Int64, into outcome: inout PruneReport) throws {
        let reader = ArchiveReader(directory: directory, catalog: catalog)
        let maildir = MaildirStore(root: (directory as NSString).appendingPathComponent("maildir"))
        // Files a killed prune took out of the catalog but left on disk go first.
        try remove(try catalog.pendingRemovals(), from: maildir, outcome: &outcome)
        var after: Int64 = 0
        while true {
            let batch = try catalog.gonePlacements(
                accountID: accountID, goneAtOrBefore: cutoff, afterPlacement: after, limit: batchSize)
            guard let last = batch.last else { break }
            after = last.id
            var texts: [Int64: IndexedText] = [:]
            // A message that cannot be read again keeps its last placements (and its row), so that
            // the catalog never holds a message without a placement.
            var unreadable: Set<Int64> = []
            for messageID in try catalog.messagesHeldOnlyBy(batch) {
                do {
                    texts[messageID] = try reader.indexedColumns(ofMessage: messageID)
                } catch {
                    unreadable.insert(messageID)
                    outcome.unreadable.append("message \(messageID): \(error)")
                }
            }
            let removable = batch.filter { !unreadable.contains($0.messageID) }
            try journal.write(.catalog)
            let result = try catalog.prune(
                PruneBatch(placements: removable, texts: texts), accountID: accountID, foldersGoneAtOrBefore: cutoff)
            outcome.placements += result.placements
            outcome.messages += result.messages
            outcome.bytes += result.bytes
            outcome.folders += result.folders
            outcome.mboxEntriesKept += result.mboxEntriesKept
            try remove(result.unreferencedFiles, from: maildir, outcome: &outcome)
        }
    }

    /// Removes files the catalog holds as pending removals, then their rows.
    func remove(_ paths: [String], from maildir: MaildirStore, outcome: inout PruneReport) throws {
        guard !paths.isEmpty else { return }
        var directories: Set<String> = []
        for path in paths {
            try journal.write(.removeName)
            try maildir.removeName(path)
            outcome.filesRemoved += 1
            directories.insert((path as NSString).deletingLastPathComponent)
        }
        for directory in directories.sorted() {
            try journal.write(.syncDirectory)
            try maildir.syncDirectory(directory)
        }
        try journal.write(.catalog)
        try catalog.finishRemovals(paths)
    }
}

/// What retention removed in one run (the run report's `pruned`).
public struct PruneReport: Codable, Sendable, Hashable {
    /// Placements removed (a message in two folders counts twice).
    public var placements = 0
    /// Messages removed from the catalog with their last placement.
    public var messages = 0
    public var bytes: Int64 = 0
    public var folders = 0
    public var filesRemoved = 0
    /// Pruned placements whose bytes stay in an mbox file.
    public var mboxEntriesKept = 0
    /// Messages whose archived bytes could not be read again to take them out of the search
    /// index: their catalog row stays.
    public var unreadable: [String] = []
    /// Why pruning stopped early (what was pruned before stays pruned).
    public var error: String?

    public init() {}
}
