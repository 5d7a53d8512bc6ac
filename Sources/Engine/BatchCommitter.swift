import Archives
import Catalog
import Foundation
import IMAPCore
import MIME
import MailCore

/// The second stage of a folder backup, run beside the fetching: for each batch it decides which
/// bytes are new and which are already archived, makes the batch durable (Maildir: fsync, rename,
/// fsync the directory; mbox: append, fsync) and records it in one catalog transaction.
///
/// It owns all state that decides what a message becomes, and runs one batch at a time.
final class BatchCommitter: @unchecked Sendable {
    struct Outcome: Sendable {
        var stored: [StoredMessage] = []
        var deduplicated = 0
    }

    /// Records a durable batch in the catalog, in one transaction: `stored[i]` is `batch[i]`,
    /// `highWater` the folder's new high-water mark.
    typealias Recorder = @Sendable (_ stored: [StoredMessage], _ batch: [FetchedMessage], _ highWater: Int64) throws -> Void

    /// A message of the batch once its bytes are in place.
    struct Placed {
        var message: FetchedMessage
        var maildirPath: String?
        /// A file holding the message's bytes, to copy into the mbox.
        var source: String
        var summary: IndexedFields?
    }

    let catalog: Catalog
    let archives: ArchiveSet
    var store: MaildirStore { archives.maildir }
    /// The folder's mbox, open for appending, when the job keeps mbox.
    let mbox: MboxFile?
    let folderDirectory: String
    let folderID: Int64
    let uidValidity: Int64
    let clock: @Sendable () -> Int64
    let progress: any ProgressSink
    /// UIDs the folder pass expects, in order: the high-water mark never passes a missing one.
    let expected: [Int64]
    var orphans: [Substring: [String]]
    var reusable: [Data: String]
    var saved: Set<Int64> = []
    private(set) var highWater: Int64
    let recorder: Recorder
    let journal: WriteJournal?

    init(
        catalog: Catalog, archives: ArchiveSet, mbox: MboxFile?, folderDirectory: String, folderID: Int64,
        uidValidity: Int64, clock: @escaping @Sendable () -> Int64, progress: any ProgressSink, expected: [Int64],
        highWater: Int64, orphans: [Substring: [String]], reusable: [Data: String], journal: WriteJournal? = nil,
        recorder: Recorder? = nil
    ) {
        self.catalog = catalog
        self.archives = archives
        self.mbox = mbox
        self.folderDirectory = folderDirectory
        self.folderID = folderID
        self.uidValidity = uidValidity
        self.clock = clock
        self.progress = progress
        self.expected = expected
        self.highWater = highWater
        self.orphans = orphans
        self.reusable = reusable
        self.journal = journal
        self.recorder =
            recorder ?? { stored, _, mark in
                try catalog.record(stored, folderID: folderID, uidValidity: uidValidity, highestUID: mark, now: clock())
            }
    }

    /// Message files in a folder's Maildir that the catalog does not know, left by a run killed
    /// before its catalog transaction.
    struct Strays {
        /// Files never recorded (killed between the rename into `cur/` and the transaction), by the
        /// hash tag in their names (several when the folder holds the same bytes twice): adopted,
        /// not stored twice.
        var orphans: [Substring: [String]] = [:]
        /// Recorded files renamed whose new name never reached the catalog, found by the unique
        /// part of their name (a flag change where hard links are impossible).
        var renamed: [(from: String, to: String)] = []
        /// Spare names of files the catalog knows by another name in this folder (a flag change or
        /// a reuse killed before its transaction, or before the old name was removed): removed.
        var spare: [String] = []
    }

    static func strays(in folderDirectory: String, folderID: Int64, archives: ArchiveSet, catalog: Catalog) -> Strays {
        var strays = Strays()
        guard archives.keepsMaildir else { return strays }
        let store = archives.maildir
        let known = (try? catalog.maildirPaths(folderID: folderID)) ?? []
        let files = store.messageFiles(in: folderDirectory)
        let unknown = files.filter { !known.contains($0) }
        guard !unknown.isEmpty else { return strays }
        // Only after a killed run: which files the catalog's names lead to.
        let present = Set(files)
        var missing: [Substring: String] = [:]
        var recorded: Set<FileIdentity> = []
        for path in known {
            if present.contains(path) {
                if let identity = store.identity(of: path) { recorded.insert(identity) }
            } else {
                missing[MaildirStore.uniquePart(of: path)] = path
            }
        }
        for path in unknown {
            if let was = missing.removeValue(forKey: MaildirStore.uniquePart(of: path)) {
                strays.renamed.append((was, path))
            } else if let identity = store.identity(of: path), recorded.contains(identity) {
                strays.spare.append(path)
            } else if let tag = MaildirStore.hashTag(ofName: path.split(separator: "/").last ?? "") {
                strays.orphans[tag, default: []].append(path)
            }
        }
        return strays
    }

    func commit(_ batch: [FetchedMessage]) throws -> Outcome {
        var outcome = Outcome()
        var placed: [Placed]
        var moves: [(from: String, to: String)] = []
        let known: [Data: ArchivedCopy]
        do {
            known = try catalog.archivedCopies(sha256s: batch.lazy.map(\.sha256), mboxFolderID: mbox.map { _ in folderID })
        } catch {
            for message in batch { message.file.discard() }
            throw error
        }
        if archives.keepsMaildir {
            placed = try placeInMaildir(batch, known: known, moves: &moves, outcome: &outcome)
        } else {
            placed = try stage(batch, known: known)
        }
        let mboxStart = mbox?.end
        var entries: [Int64: MboxLocation] = [:]
        if let mbox {
            do {
                entries = try appendToMbox(placed, known: known, into: mbox, outcome: &outcome)
                try journal.write(.syncFiles)
                try mbox.sync()
            } catch {
                journal.cleanUp {
                    if !archives.keepsMaildir { for message in batch { message.file.discard() } }
                    mbox.rollBack(to: mboxStart!)
                }
                throw error
            }
        }
        // Staged files have been copied into the mbox: they are not kept.
        if !archives.keepsMaildir { for message in batch { message.file.discard() } }
        for entry in placed {
            let message = entry.message
            outcome.stored.append(
                StoredMessage(
                    sha256: message.sha256, size: Int64(message.size), uid: message.uid,
                    flags: message.flags.joined(separator: " "), modseq: message.modseq.map(Int64.init),
                    internalDate: message.internalDate.description,
                    internalDateUnix: message.internalDate.secondsSince1970, maildirPath: entry.maildirPath,
                    mbox: entries[message.uid], summary: entry.summary, internalDateSource: message.internalDateSource))
        }
        for message in batch { saved.insert(message.uid) }
        var mark = highWater
        for uid in expected where uid > mark {
            guard saved.contains(uid) else { break }
            mark = uid
        }
        highWater = mark
        do {
            if !moves.isEmpty {
                try journal.write(.catalog)
                try catalog.repoint(moves)
            }
            try journal.write(.catalog)
            try recorder(outcome.stored, batch, mark)
        } catch {
            // Entries the catalog does not record are taken back at once, not left for the next run.
            journal.cleanUp { if let mboxStart { mbox?.rollBack(to: mboxStart) } }
            throw error
        }
        for move in moves {
            try journal.write(.removeName)
            try store.removeName(move.from)
        }
        for message in outcome.stored { progress.report(.messageSaved(bytes: Int(message.size))) }
        return outcome
    }

    /// Maildir: new bytes are fsynced and renamed into `cur/`, known bytes linked or adopted, then
    /// `cur/` is fsynced.
    /// A reused file gets its new name beside the old one (`moves`); the caller moves the catalog
    /// to the new name, then removes the old: the catalog never names a file that is not there.
    func placeInMaildir(
        _ batch: [FetchedMessage], known: [Data: ArchivedCopy], moves: inout [(from: String, to: String)],
        outcome: inout Outcome
    ) throws -> [Placed] {
        var planned: [(message: FetchedMessage, action: Action, summary: IndexedFields?)] = []
        var firstInBatch: [Data: Int64] = [:]
        do {
            for message in batch {
                let (action, needsIndex) = plan(message, known: known, firstInBatch: &firstInBatch)
                planned.append((message, action, needsIndex ? message.summary : nil))
            }
            for entry in planned {
                guard case .write = entry.action else {
                    entry.message.file.discard()
                    continue
                }
                if MaildirStore.canSyncFileSystem {
                    try entry.message.file.closeUnsynced()
                } else {
                    try journal.write(.syncFiles)
                    try entry.message.file.finish()
                }
            }
            if MaildirStore.canSyncFileSystem, planned.contains(where: { if case .write = $0.action { true } else { false } }) {
                // One flush for the whole batch, before any of it is renamed into cur/.
                try journal.write(.syncFiles)
                try store.syncFileSystem()
            }
        } catch {
            journal.cleanUp { for message in batch { message.file.discard() } }
            throw error
        }
        var placed: [Placed] = []
        var pathsByUID: [Int64: String] = [:]
        for (message, action, summary) in planned {
            let name = MaildirStore.messageName(flags: message.flags, sha256Hex: message.shaHex)
            let path: String
            try journal.write(.rename)
            switch action {
            case .write:
                path = try store.commit(message.file, name: name)
            case .link(let existing):
                path = try store.link(existing: existing, into: folderDirectory, name: name)
                outcome.deduplicated += 1
            case .linkEarlier(let uid):
                path = try store.link(existing: pathsByUID[uid]!, into: folderDirectory, name: name)
                outcome.deduplicated += 1
            case .adopt(let orphan):
                path = folderDirectory + "/cur/" + name
                try store.move(orphan, to: path)
            case .reuse(let earlier):
                path = try store.link(existing: earlier, into: folderDirectory, name: name)
                moves.append((earlier, path))
                outcome.deduplicated += 1
            }
            pathsByUID[message.uid] = path
            placed.append(Placed(message: message, maildirPath: path, source: store.root + "/" + path, summary: summary))
        }
        try journal.write(.syncDirectory)
        try store.syncDirectory(folderDirectory + "/cur")
        return placed
    }

    /// No Maildir: the fetched files stay where they were staged, to be copied into the mbox.
    func stage(_ batch: [FetchedMessage], known: [Data: ArchivedCopy]) throws -> [Placed] {
        var placed: [Placed] = []
        var seen: Set<Data> = []
        do {
            for message in batch {
                try message.file.closeUnsynced()
                let needsIndex = known[message.sha256] == nil && seen.insert(message.sha256).inserted
                placed.append(
                    Placed(message: message, maildirPath: nil, source: message.file.path, summary: needsIndex ? message.summary : nil))
            }
        } catch {
            for message in batch { message.file.discard() }
            throw error
        }
        return placed
    }

    /// Appends the batch to the folder's mbox: one entry per distinct message in a folder, so a
    /// message the mbox already holds (a UIDVALIDITY rescan, a copy under a new UID) shares it.
    func appendToMbox(_ placed: [Placed], known: [Data: ArchivedCopy], into mbox: MboxFile, outcome: inout Outcome)
        throws -> [Int64: MboxLocation]
    {
        var byHash: [Data: MboxLocation] = [:]
        var byUID: [Int64: MboxLocation] = [:]
        for entry in placed {
            let message = entry.message
            if let location = byHash[message.sha256] ?? known[message.sha256]?.mbox {
                byUID[message.uid] = location
                if !archives.keepsMaildir { outcome.deduplicated += 1 }
                continue
            }
            let fromLine = MboxStore.fromLine(sender: message.envelopeSender, date: message.internalDate.secondsSince1970)
            try journal.write(.mboxAppend)
            let written = try mbox.append(contentsOf: entry.source, size: message.size, fromLine: fromLine)
            let location = MboxLocation(path: mbox.relative, offset: written.offset, length: written.length)
            byHash[message.sha256] = location
            byUID[message.uid] = location
        }
        return byUID
    }

    enum Action {
        case write
        case link(String)
        case linkEarlier(Int64)
        case adopt(String)
        case reuse(String)
    }

    /// What a message becomes (new bytes, or a name for bytes the archive already has), and
    /// whether the catalog still needs its index entry.
    /// `known` holds what the catalog had of this batch's hashes before the batch.
    func plan(_ message: FetchedMessage, known: [Data: ArchivedCopy], firstInBatch: inout [Data: Int64]) -> (Action, Bool) {
        let size = message.size
        if let path = reusable[message.sha256], store.fileSize(path) == size {
            reusable[message.sha256] = nil
            return (.reuse(path), false)
        }
        let tag = message.shaHex.prefix(16)
        if let index = orphans[tag]?.firstIndex(where: { store.fileSize($0) == size }) {
            let orphan = orphans[tag]!.remove(at: index)
            return (.adopt(orphan), known[message.sha256] == nil)
        }
        if let earlier = firstInBatch[message.sha256] { return (.linkEarlier(earlier), false) }
        firstInBatch[message.sha256] = message.uid
        if let copy = known[message.sha256] {
            if let path = copy.maildirPath, store.fileSize(path) == size { return (.link(path), false) }
            return (.write, false)
        }
        return (.write, true)
    }

    /// How much body text of one message goes into the search index. The first 64 KiB hold what
    /// people search for, and the cap bounds memory: a batch of 200 summaries stays under 13 MB
    /// whatever the messages are.
    static let searchTextLimit = 64 << 10
}

/// A message fetched into `tmp/` and hashed, waiting for its batch.
struct FetchedMessage: @unchecked Sendable {
    var uid: Int64
    var sha256: Data
    var shaHex: String
    var size: Int
    var flags: [String]
    var modseq: UInt64?
    var internalDate: InternalDate
    /// What the catalog indexes, taken from the bytes as they arrived.
    var summary: IndexedFields
    /// Owned by the committer once handed over.
    var file: MaildirTemporaryFile
    /// Where INTERNALDATE came from when the server gave none (POP3).
    var internalDateSource: String? = nil
    /// The UIDL row a POP3 message is recorded under.
    var pop3: POP3SeenMessage? = nil
    /// Whom the mbox `From ` line names.
    var envelopeSender = "MAILER-DAEMON"
}

extension IndexedFields {
    init(_ summary: MessageSummary) {
        func join(_ addresses: [Address]) -> String? {
            guard !addresses.isEmpty else { return nil }
            return addresses.map { address in
                if let name = address.name, !name.isEmpty { return "\(name) <\(address.email)>" }
                return address.email
            }.joined(separator: ", ")
        }
        self.init(
            messageID: summary.messageID, date: summary.date, from: join(summary.from), to: join(summary.to),
            cc: join(summary.cc), subject: summary.subject, hasAttachments: summary.hasAttachments,
            bodyText: summary.bodyText)
    }
}
