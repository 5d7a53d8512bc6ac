import Archives
import Catalog
import Foundation
import IMAPCore
import MIME
import MailCore
import POP3Client

extension POP3Backup {
    /// Indices of the messages not yet saved that `max_messages` and `max_bytes` let this run
    /// take, in maildrop order.
    func choose(_ messages: [ServerMessage]) -> [Int] {
        var chosen: [Int] = []
        var bytes: Int64 = 0
        var wanted = 0
        for (index, message) in messages.enumerated() where message.known == nil {
            wanted += 1
            if wanted > chosen.count + 1 { continue }  // a limit was reached: only counted
            if let maximum = policy.maxMessages, chosen.count >= maximum { continue }
            if let maximum = policy.maxBytes, !chosen.isEmpty, bytes + Int64(message.size) > maximum { continue }
            chosen.append(index)
            bytes += Int64(message.size)
        }
        if chosen.count < wanted {
            limited = true
            report.notes.append(
                "max_messages/max_bytes reached: \(wanted - chosen.count) new messages left for the next run")
        }
        if let budget {
            let taken = budget.take(chosen.map { Int64(messages[$0].size) })
            if taken < chosen.count {
                let left = chosen[taken...]
                limited = true
                report.notes.append(
                    ByteBudget.note(left: left.count, bytes: left.reduce(0) { $0 + Int64(messages[$1].size) }))
                chosen = Array(chosen[..<taken])
            }
        }
        return chosen
    }

    func fetch(_ chosen: [Int], of messages: [ServerMessage], session: POP3Session) async throws {
        guard !chosen.isEmpty else { return }
        let catalog = self.catalog
        let accountID = self.accountID
        let folderID = folder.id!
        let clock = self.clock
        let committer = BatchCommitter(
            catalog: catalog, archives: archives, mbox: mbox, folderDirectory: folderDirectory, folderID: folderID,
            uidValidity: Self.uidValidity, clock: clock, progress: progress, expected: [], highWater: folder.highestUid,
            orphans: BatchCommitter.strays(in: folderDirectory, folderID: folderID, archives: archives, catalog: catalog)
                .orphans, reusable: [:], journal: journal
        ) { stored, batch, _ in
            try catalog.recordPOP3(
                stored, seen: batch.compactMap(\.pop3), accountID: accountID, folderID: folderID,
                uidValidity: Self.uidValidity, now: clock())
        }
        let pipeline = BatchPipeline(committer: committer, limits: limits.batch, journal: journal) {
            [unowned self] outcome in
            self.count(outcome)
        }
        self.pipeline = pipeline
        let requests = chosen.map { POP3Session.Request(number: messages[$0].number, limit: Self.limit(messages[$0].size)) }
        var position = 0
        do {
            try await session.retrieve(requests, window: limits.window) { request, event in
                // Answers come in the order of the requests: the cursor only moves forward.
                while messages[chosen[position]].number != request.number { position += 1 }
                try await self.handle(event, message: messages[chosen[position]])
            }
            try await pipeline.finish()
        } catch {
            journal.cleanUp { current?.inFlight.discard() }
            current = nil
            await pipeline.abandon()
            throw error
        }
    }

    func handle(_ event: POP3Session.RetrieveEvent, message: ServerMessage) async throws {
        switch event {
        case .start:
            let inFlight = InFlightMessage()
            inFlight.file = try archives.staging.createTemporary(in: folderDirectory)
            current = (message, inFlight, HeaderCapture())
        case .data(let chunk):
            try chunk.withUnsafeReadableBytes { bytes in
                try current?.inFlight.consume(bytes)
                current?.header.add(bytes)
            }
        case .end:
            guard let (message, inFlight, header) = current else { return }
            current = nil
            try await finish(message, inFlight, header)
        case .failed(let code, let text):
            let name = message.key.map { " (UIDL \($0))" } ?? ""
            report.failedMessages.append(
                "message \(message.number)\(name): the server refused it: -ERR\(code.map { " [\($0)]" } ?? "") \(text)")
        }
    }

    func finish(_ message: ServerMessage, _ inFlight: InFlightMessage, _ header: HeaderCapture) async throws {
        guard let file = inFlight.file else { return }
        inFlight.file = nil
        let digest = inFlight.finishHash()
        let sha = Data(digest.bytes)
        let seen = POP3SeenMessage(
            uidl: message.key ?? "sha256:\(digest.hex)", sha256: sha, listedSize: Int64(message.size),
            firstSaved: clock())
        let earlier = try catalog.folderContents(folderID: folder.id!, sha256s: [sha])[sha]
        if savedThisRun.contains(sha) || storedThisRun[sha] != nil || earlier.map(archives.holds) == true {
            // The same bytes are already in this folder: remember the key, store nothing twice.
            file.discard()
            pendingSeen.append((message.number, seen))
            return
        }
        savedThisRun.insert(sha)
        if earlier != nil { restored.insert(sha) }
        folder.highestUid += 1
        let uid = folder.highestUid
        pendingByUID[uid] = (message.number, seen)
        let (date, source) = internalDate(header)
        let summary = inFlight.indexer.finish()
        try await pipeline?.add(
            FetchedMessage(
                uid: uid, sha256: sha, shaHex: digest.hex, size: file.size, flags: [], modseq: nil,
                internalDate: InternalDate(secondsSince1970: date), summary: IndexedFields(summary), file: file,
                internalDateSource: source, pop3: seen, envelopeSender: summary.envelopeSender))
    }

    /// Counts a committed batch: from now on its messages may be deleted from the server.
    func count(_ outcome: BatchCommitter.Outcome) {
        for stored in outcome.stored {
            savedThisRun.remove(stored.sha256)
            if restored.contains(stored.sha256) {
                storedThisRun[stored.sha256] = ArchivedCopy(messageID: 0, maildirPath: stored.maildirPath, mbox: stored.mbox)
            }
            if let pending = pendingByUID.removeValue(forKey: stored.uid) { committed[pending.number] = pending.seen }
            report.newMessages += 1
            report.newBytes += stored.size
        }
        report.deduplicated += outcome.deduplicated
    }

    /// Records the keys of messages whose bytes were already archived.
    func flushPendingSeen() throws {
        guard !pendingSeen.isEmpty else { return }
        try journal.write(.catalog)
        try catalog.recordPOP3(
            [], seen: pendingSeen.map(\.seen), accountID: accountID, folderID: folder.id!,
            uidValidity: Self.uidValidity, now: clock())
        for entry in pendingSeen { committed[entry.number] = entry.seen }
        pendingSeen = []
    }

    /// POP3 has no INTERNALDATE: the date of the first `Received:` header (the last hop, the
    /// server's own), else the time of download. The catalog records which.
    func internalDate(_ header: HeaderCapture) -> (Int64, String) {
        let fields = HeaderFields(parsing: header.bytes)
        if let received = fields.fields(named: "Received").first?.value, let semicolon = received.lastIndex(of: ";"),
            let date = MailDate.parse(String(received[received.index(after: semicolon)...]))
        {
            return (date, "received")
        }
        return (clock(), "downloaded")
    }
}

/// The first bytes of a message, up to its blank line (at most 256 KiB): what dating it needs.
struct HeaderCapture {
    static let maximum = 256 << 10
    private(set) var bytes: [UInt8] = []
    private var complete = false

    mutating func add(_ chunk: UnsafeRawBufferPointer) {
        guard !complete else { return }
        let room = Self.maximum - bytes.count
        bytes.append(contentsOf: chunk.prefix(room))
        if bytes.count >= Self.maximum || Self.hasBlankLine(bytes) { complete = true }
    }

    static func hasBlankLine(_ bytes: [UInt8]) -> Bool {
        var previous: UInt8 = 0x0A
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A, previous == 0x0A { return true }
            if byte != 0x0D { previous = byte }
            index += 1
        }
        return false
    }
}
