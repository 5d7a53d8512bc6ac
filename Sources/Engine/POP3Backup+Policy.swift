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
        var due: [(number: Int, row: POP3SeenMessage)] = []
        for message in messages {
            // Saved in an earlier run: only once its headers were confirmed this session.
            if message.known != nil, !confirmed.contains(message.number) { continue }
            guard let row = message.known ?? committed[message.number], row.firstSaved <= keptSince else { continue }
            due.append((message.number, row))
        }
        for start in stride(from: 0, to: due.count, by: Self.lookupChunk) {
            let chunk = due[start..<min(due.count, start + Self.lookupChunk)]
            let archived = try copies(of: chunk.map(\.row.sha256))
            for (number, row) in chunk {
                guard archived[row.sha256] != nil else {
                    report.notes.append("message \(number) kept on the server: its archive file is missing")
                    continue
                }
                candidates[number] = row
            }
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

    /// Rows whose message is no longer on the server (deleted by another client, or by a QUIT
    /// whose answer was lost) are marked gone. Only when this run saw every message: a run cut
    /// short by a limit or a failure cannot tell.
    func markVanished(_ messages: [ServerMessage]) throws {
        guard !limited, report.failedMessages.isEmpty else { return }
        var present = Set<Int64>()
        var savedNow = Set<POP3SeenKey>()
        for message in messages {
            if let row = message.knownRow {
                present.insert(row.id)
            } else if let row = committed[message.number] {
                savedNow.insert(POP3SeenKey(row))
            }
        }
        var vanished: [(uidl: String, sha256: Data)] = []
        try catalog.pop3LiveRows(accountID: accountID) { id, uidl, sha256 in
            guard !present.contains(id), !savedNow.contains(POP3SeenKey(uidl: uidl, sha256: sha256)) else { return }
            vanished.append((uidl, sha256))
        }
        if !vanished.isEmpty { try journal.write(.catalog) }
        try catalog.markPOP3Gone(vanished, accountID: accountID, folderID: folder.id!, now: clock())
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
    init(_ row: POP3SeenMessage) { self.init(uidl: row.uidl, sha256: row.sha256) }
    init(uidl: String, sha256: Data) {
        self.uidl = uidl
        self.sha256 = sha256
    }
}
