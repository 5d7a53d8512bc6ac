import Archives
import Catalog
import Foundation
import POP3Client

/// A server may hand the UIDL of a message that is gone to a new one, and the new one may have the
/// same size: taken as saved on (UIDL, size) alone, it would never be fetched. Before a message
/// saved in an earlier run is trusted, its `TOP n 0` may be compared with the archived copy's
/// header block; a mismatch makes it unsaved, so it is fetched in this run and its hash decides.
///
/// Checking every kept message every run would cost a TOP per message (on a 2,000-message
/// keep-forever maildrop a few MB of headers each run, where a no-change run otherwise sends only
/// LIST and UIDL). So a run checks:
/// - every message the policy would delete now (a DELE must never hit an unsaved message);
/// - every message, when the server has just shown that it reuses UIDLs (a saved UIDL listed with
///   another size);
/// - messages out of saving order: the maildrop keeps arrival order and the backup saves in that
///   order, so a reused UIDL given to a new arrival shows up as a message whose saved copy is
///   older than that of a message before it. Only those outside the longest run in saving order
///   are checked (a message inserted mid-maildrop costs one TOP, not the whole tail);
/// - a rolling 1/`confirmationRounds` slice of the rest, chosen by the UIDL and the run's number,
///   so a reuse no signal shows (the newest message deleted and its UIDL and size given to the
///   next arrival) is still found within `confirmationRounds` runs, while keep-on-server leaves
///   the message there. Costs about 1/16 of the maildrop's headers per run.
extension POP3Backup {
    /// Runs it takes the rolling check to have confirmed every kept message once.
    static let confirmationRounds = 16

    /// Confirms what `toConfirm` picks with `TOP n 0`, a chunk at a time; a message whose headers
    /// differ from its archived copy is no longer taken as saved. Confirmed ones may be deleted by
    /// the policy. `reused`: how many messages showed the server reuses UIDLs (see `recognise`).
    func confirmKnown(_ messages: inout [ServerMessage], reused: Int, run: Int, session: POP3Session) async throws {
        let picked = toConfirm(messages, reused: reused, run: run)
        var differing = 0
        for start in stride(from: 0, to: picked.count, by: Self.lookupChunk) {
            let chunk = Array(picked[start..<min(picked.count, start + Self.lookupChunk)])
            let archived = try copies(of: chunk.map { messages[$0].known!.sha256 })
            // Message number -> (index, archived copy): what each answer is compared with.
            var expected: [Int: (index: Int, copy: ArchivedCopy)] = [:]
            for index in chunk {
                if let copy = archived[messages[index].known!.sha256] { expected[messages[index].number] = (index, copy) }
            }
            let requests = chunk.map {
                POP3Session.Request(number: messages[$0].number, limit: Self.limit(messages[$0].size), topLines: 0)
            }
            var header: [UInt8] = []
            var mismatched: [Int] = []
            try await session.retrieve(requests, window: limits.window) { request, event in
                switch event {
                case .start: header = []
                case .data(let chunk): header.append(contentsOf: chunk.readableBytesView)
                case .end:
                    // Compared as each answer ends: one header at a time is held.
                    guard let (index, copy) = expected[request.number] else { return }
                    if archives.copy(copy, startsWith: header) {
                        confirmed.insert(request.number)
                    } else {
                        mismatched.append(index)
                    }
                    header = []
                case .failed: break
                }
            }
            for index in mismatched {
                messages[index].known = nil
                messages[index].knownRow = nil
            }
            differing += mismatched.count
        }
        if differing > 0 {
            report.notes.append(
                "\(differing) messages carry the UIDL and size of a saved message but other headers (the server reused them): fetched again, not deleted")
        }
    }

    /// Indices of the messages taken as saved whose headers this run checks (see above).
    func toConfirm(_ messages: [ServerMessage], reused: Int, run: Int) -> [Int] {
        let known = messages.indices.filter { messages[$0].known != nil }
        guard !known.isEmpty else { return [] }
        if reused > 0 {
            report.notes.append(
                "\(reused) saved UIDLs are listed with another size (the server reuses UIDLs): the headers of every saved message were checked")
            return known
        }
        var picked = Set<Int>()
        if let keptSince = deletionCutoff() {
            picked.formUnion(known.filter { messages[$0].known!.firstSaved <= keptSince })
        }
        let order = known.map { messages[$0].knownRow?.messageID ?? 0 }
        let inOrder = Self.longestNonDecreasing(order)
        picked.formUnion(known.indices.filter { !inOrder.contains($0) }.map { known[$0] })
        let round = run % Self.confirmationRounds
        picked.formUnion(known.filter { Self.round(of: messages[$0].key!) == round })
        return picked.sorted()
    }

    /// The rolling check's round a key belongs to: FNV-1a of its bytes, stable across runs and
    /// across the message's moves in the maildrop.
    static func round(of key: String) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return Int(hash % UInt64(confirmationRounds))
    }

    /// Positions of one longest non-decreasing subsequence of `values` (patience sorting, n log n).
    static func longestNonDecreasing(_ values: [Int64]) -> Set<Int> {
        var tails: [Int] = []  // tails[k]: position ending the best run of length k + 1
        var previous = [Int](repeating: -1, count: values.count)
        for (position, value) in values.enumerated() {
            var low = 0
            var high = tails.count
            while low < high {
                let middle = (low + high) / 2
                if values[tails[middle]] <= value { low = middle + 1 } else { high = middle }
            }
            if low > 0 { previous[position] = tails[low - 1] }
            if low == tails.count { tails.append(position) } else { tails[low] = position }
        }
        var result = Set<Int>()
        var position = tails.last ?? -1
        while position >= 0 {
            result.insert(position)
            position = previous[position]
        }
        return result
    }
}
