import Archives
import Catalog
import Foundation
import IMAPCore
import MailCore
import POP3Client
import POP3Core

/// Backs up a POP3 maildrop as folder INBOX of its account, through the same batches, archive and
/// catalog as IMAP (DESIGN.md "Order of writes").
///
/// A message is recognised by its UIDL; without a usable UIDL by a hash of its headers and size;
/// when even that is ambiguous it is downloaded and its SHA-256 decides. A DELE is sent only for
/// a message whose UIDL row is committed together with its bytes, and takes effect only when the
/// server accepts QUIT: `run` returns the deletions for the caller to record after QUIT.
final class POP3Backup {
    struct Limits {
        var batch = BatchPipeline.Limits()
        var window = 16
    }

    /// A message on the server in this session.
    struct ServerMessage {
        var number: Int
        var size: Int
        /// What identifies it across sessions (its UIDL, or a stand-in); nil when only its bytes can.
        var key: String?
        /// The committed row saying it is already saved.
        var known: POP3SeenMessage?
        /// That row's id, and its message's (the order messages were first saved in).
        var knownRow: (id: Int64, messageID: Int64)?
    }

    static let folderName = "INBOX"
    /// POP3 has no UIDVALIDITY: placements of the maildrop live in one fixed UID space.
    static let uidValidity: Int64 = 1

    let catalog: Catalog
    let archives: ArchiveSet
    let policy: POP3Policy
    let accountID: Int64
    var folder: FolderRecord
    let folderDirectory: String
    let progress: any ProgressSink
    let clock: @Sendable () -> Int64
    let limits: Limits
    let journal: WriteJournal?
    var report: FolderReport

    // State of one run. Nothing in it grows with the messages kept on the server beyond
    // `ServerMessage`: the catalog is asked in chunks (see `recognise`).
    /// Hashes stored in this run whose batch is not yet committed (after that the catalog knows them).
    var savedThisRun: Set<Data> = []
    /// Hashes whose earlier copy's file is lost, stored again in this run; and those copies once
    /// committed, which win over the lost one.
    var restored: Set<Data> = []
    var storedThisRun: [Data: ArchivedCopy] = [:]
    /// Rows committed in this run, by message number (saved now, or already archived under another key).
    var committed: [Int: POP3SeenMessage] = [:]
    var pendingByUID: [Int64: (number: Int, seen: POP3SeenMessage)] = [:]
    var pendingSeen: [(number: Int, seen: POP3SeenMessage)] = []
    var pipeline: BatchPipeline?
    var current: (message: ServerMessage, inFlight: InFlightMessage, header: HeaderCapture)?
    var limited = false
    /// The account's `max_bytes_per_day`.
    var budget: ByteBudget?
    /// Messages saved in an earlier run whose headers on the server match the archive.
    var confirmed: Set<Int> = []
    var mbox: MboxFile?

    init(
        catalog: Catalog, archives: ArchiveSet, account: AccountConfig, accountID: Int64, progress: any ProgressSink,
        clock: @escaping @Sendable () -> Int64, limits: Limits = Limits(), journal: WriteJournal? = nil
    ) throws {
        self.catalog = catalog
        self.archives = archives
        self.policy = account.pop3
        self.accountID = accountID
        self.progress = progress
        self.clock = clock
        self.limits = limits
        self.journal = journal
        let raw = Data(Self.folderName.utf8)
        if let known = try catalog.folders(accountID: accountID).first(where: { $0.rawName == raw }) {
            folder = known
        } else {
            let now = clock()
            folder = FolderRecord(
                accountId: accountID, rawName: raw, name: Self.folderName, delimiter: nil, specialUse: nil,
                path: FolderPath(name: Self.folderName, delimiter: nil).relativePath, uidValidity: Self.uidValidity,
                firstSeen: now, lastSeen: now)
            try journal.write(.folderRecord)
            try catalog.save(&folder)
        }
        folderDirectory = PathComponent.escape(account.name) + "/" + folder.path
        report = FolderReport(name: folder.name, path: folder.path)
    }

    /// Saves what is new, sends the DELEs the policy asks for and returns them (to be recorded
    /// once QUIT is accepted).
    func run(_ session: POP3Session) async throws -> [POP3SeenMessage] {
        try archives.staging.ensureFolder(folderDirectory)
        archives.staging.clearTemporary(in: folderDirectory)
        mbox = try archives.openMbox(folderDirectory: folderDirectory, folderID: folder.id!, catalog: catalog, report: &report)
        defer { mbox?.close() }
        var messages = try await identify(try await session.list(), session: session)
        let reused = try recognise(&messages)
        try await confirmKnown(&messages, reused: reused, run: try catalog.runCount(accountID: accountID), session: session)
        let chosen = choose(messages)
        progress.report(
            .folderStarted(
                name: folder.name, index: 1, count: 1, messages: chosen.count,
                bytes: chosen.reduce(0) { $0 + Int64(messages[$1].size) }))
        try await fetch(chosen, of: messages, session: session)
        try flushPendingSeen()
        try markVanished(messages)
        folder.lastSeen = clock()
        folder.serverMessages = Int64(messages.count)
        try journal.write(.folderRecord)
        try catalog.save(&folder)
        return try await delete(messages, session: session)
    }

    // MARK: - Identity

    /// Keys every message: its UIDL when the server has UIDL and the UIDL is the message's alone,
    /// else a hash of `TOP n 0` and the size when that is unique, else nothing.
    func identify(_ listing: [ScanListing], session: POP3Session) async throws -> [ServerMessage] {
        var messages = listing.map { ServerMessage(number: $0.number, size: $0.size) }
        if let uids = try await session.uniqueIDs() {
            let counts = Dictionary(uids.map { ($0.uid, 1) }, uniquingKeysWith: +)
            let byNumber = Dictionary(uids.map { ($0.number, $0.uid) }, uniquingKeysWith: { first, _ in first })
            for index in messages.indices {
                if let uid = byNumber[messages[index].number], counts[uid] == 1 { messages[index].key = uid }
            }
            let repeated = messages.filter { $0.key == nil }.count
            if repeated > 0 {
                report.notes.append(
                    "\(repeated) messages have no UIDL of their own: recognised by a hash of their headers and size")
            }
        } else {
            report.notes.append(
                "the server has no UIDL: messages are recognised by a hash of their headers (TOP n 0) and size")
        }
        let unkeyed = messages.indices.filter { messages[$0].key == nil }
        guard !unkeyed.isEmpty else { return messages }
        var keys: [Int: String] = [:]
        var hashing: SHA256Hasher?
        let requests = unkeyed.map { POP3Session.Request(number: messages[$0].number, limit: Self.limit(messages[$0].size), topLines: 0) }
        try await session.retrieve(requests, window: limits.window) { request, event in
            switch event {
            case .start: hashing = SHA256Hasher()
            case .data(let chunk): chunk.withUnsafeReadableBytes { hashing?.update($0) }
            case .end:
                if let digest = hashing.take()?.finalize() { keys[request.number] = "top:\(digest.hex)" }
            case .failed: break
            }
        }
        for index in unkeyed {
            guard let header = keys[messages[index].number] else { continue }
            messages[index].key = "\(header):\(messages[index].size)"
        }
        let counts = Dictionary(unkeyed.compactMap { messages[$0].key }.map { ($0, 1) }, uniquingKeysWith: +)
        var byBytes = 0
        for index in unkeyed where messages[index].key.map({ counts[$0] != 1 }) ?? true {
            messages[index].key = nil
            byBytes += 1
        }
        if byBytes > 0 {
            report.notes.append("\(byBytes) messages can be told apart only by their bytes: downloaded every run, their hash decides")
        }
        return messages
    }

    /// Marks the messages already saved: a live row with the same key and announced size whose
    /// bytes are in the archive (a file lost since is fetched again while the server still has
    /// the message). Asks the catalog a chunk of keys at a time. Returns how many messages carry
    /// a saved key with only other sizes: proof that the server reuses UIDLs.
    func recognise(_ messages: inout [ServerMessage]) throws -> Int {
        var reused = 0
        let keyed = messages.indices.filter { messages[$0].key != nil }
        for start in stride(from: 0, to: keyed.count, by: Self.lookupChunk) {
            let chunk = keyed[start..<min(keyed.count, start + Self.lookupChunk)]
            let rows = try catalog.pop3Saved(uidls: chunk.map { messages[$0].key! }, accountID: accountID, folderID: folder.id!)
            for index in chunk {
                guard let key = messages[index].key, let live = rows[key] else { continue }
                let size = Int64(messages[index].size)
                let sameSize = live.filter { $0.row.listedSize == size }
                guard !sameSize.isEmpty else {
                    reused += 1
                    continue
                }
                guard let found = sameSize.first(where: { $0.copy.map(archives.holds) == true }), let copy = found.copy else {
                    continue
                }
                var row = found.row
                row.uidl = key  // shares the key's storage
                messages[index].known = row
                messages[index].knownRow = (found.id, copy.messageID)
            }
        }
        return reused
    }

    /// Keys per catalog lookup.
    static let lookupChunk = 500

    /// Where the archive holds these hashes' bytes (a copy whose file is gone is left out).
    func copies(of sha256s: [Data]) throws -> [Data: ArchivedCopy] {
        let earlier = sha256s.filter { storedThisRun[$0] == nil }
        var result = try catalog.folderContents(folderID: folder.id!, sha256s: earlier).filter { archives.holds($0.value) }
        for sha in sha256s { if let copy = storedThisRun[sha] { result[sha] = copy } }
        return result
    }

    /// How many bytes a message's answer may hold: a server's sizes may be a little off (line
    /// ends), never without bound.
    static func limit(_ listedSize: Int) -> Int { listedSize * 2 + (1 << 20) }
}
