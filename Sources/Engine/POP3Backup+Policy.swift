import Archives
import Catalog
import Foundation
import POP3Client

extension POP3Backup {
    /// Sends DELE for the messages `keep_on_server` lets go: only those whose row is committed and
    /// whose archive file is there. Returns the rows the server accepted DELE for.
    func delete(_ messages: [ServerMessage], session: POP3Session) async throws -> [POP3SeenMessage] {
        guard let keptSince = deletionCutoff() else { return [] }
        var candidates: [Int: POP3SeenMessage] = [:]
        for message in messages {
            // Saved in an earlier run: only once its headers were confirmed this session.
            if message.known != nil, !confirmed.contains(message.number) { continue }
            guard let row = message.known ?? committed[message.number], row.firstSaved <= keptSince else { continue }
            guard let copy = archived[row.sha256], archives.holds(copy) else {
                report.notes.append("message \(message.number) kept on the server: its archive file is missing")
                continue
            }
            candidates[message.number] = row
        }
        guard !candidates.isEmpty else { return [] }
        try journal.write(.pop3Delete)
        let accepted = try await session.delete(candidates.keys.sorted())
        return accepted.compactMap { candidates[$0] }
    }

    /// Messages saved before this run are deleted only as the policy says: none, or those first
    /// saved before this cutoff.
    func deletionCutoff() -> Int64? {
        switch policy.keepOnServer {
        case .always: nil
        case .never: .max
        case .days(let days): clock() - Int64(days) * 86_400
        }
    }

    /// Before anything saved in an earlier run is deleted, the server's `TOP n 0` must equal the
    /// archived copy's header block: a server may hand a UIDL (and a size) that named a deleted
    /// message to a new one. A message that fails is no longer taken as saved: it is fetched in
    /// this run and its hash decides. Costs one TOP per message the policy lets go.
    func confirmDeletable(_ messages: inout [ServerMessage], session: POP3Session) async throws {
        guard let keptSince = deletionCutoff() else { return }
        let due = messages.indices.filter { index in
            guard let row = messages[index].known else { return false }
            return row.firstSaved <= keptSince
        }
        guard !due.isEmpty else { return }
        var headers: [Int: [UInt8]] = [:]
        var current: [UInt8] = []
        let requests = due.map { POP3Session.Request(number: messages[$0].number, limit: Self.limit(messages[$0].size), topLines: 0) }
        try await session.retrieve(requests, window: limits.window) { request, event in
            switch event {
            case .start: current = []
            case .data(let chunk): current.append(contentsOf: chunk.readableBytesView)
            case .end: headers[request.number] = current
            case .failed: break
            }
        }
        var reused = 0
        for index in due {
            let number = messages[index].number
            guard let row = messages[index].known, let copy = archived[row.sha256], let header = headers[number] else { continue }
            if archives.copy(copy, startsWith: header) {
                confirmed.insert(number)
            } else {
                messages[index].known = nil
                reused += 1
            }
        }
        if reused > 0 {
            report.notes.append(
                "\(reused) messages carry the UIDL and size of a saved message but other headers (the server reused them): fetched again, not deleted")
        }
    }

    /// Rows whose message is no longer on the server (deleted by another client, or by a QUIT
    /// whose answer was lost) are marked gone. Only when this run saw every message: a run cut
    /// short by a limit or a failure cannot tell.
    func markVanished(_ messages: [ServerMessage], seen: [String: [POP3SeenMessage]]) throws {
        guard !limited, report.failedMessages.isEmpty else { return }
        var present = Set<POP3SeenKey>()
        var vanished: [POP3SeenMessage] = []
        for message in messages {
            if let row = message.known ?? committed[message.number] { present.insert(POP3SeenKey(row)) }
        }
        for row in seen.values.joined() where row.deletedAt == nil && !present.contains(POP3SeenKey(row)) {
            vanished.append(row)
        }
        if !vanished.isEmpty { try journal.write(.catalog) }
        try catalog.markPOP3Gone(
            vanished.map { ($0.uidl, $0.sha256) }, accountID: accountID, folderID: folder.id!, now: clock())
        report.gone = vanished.count
    }

    /// Records deletions once the server accepted QUIT.
    func recordDeleted(_ rows: [POP3SeenMessage]) throws {
        if !rows.isEmpty { try journal.write(.catalog) }
        try catalog.markPOP3Gone(rows.map { ($0.uidl, $0.sha256) }, accountID: accountID, folderID: folder.id!, now: clock())
        report.deletedFromServer = rows.count
    }
}

/// A UIDL row's identity: the key and the bytes.
struct POP3SeenKey: Hashable {
    var uidl: String
    var sha256: Data
    init(_ row: POP3SeenMessage) {
        uidl = row.uidl
        sha256 = row.sha256
    }
}
