import Foundation
import IMAPClient
import IMAPCore
import MIME
import MailCore

/// A message to look for on the destination before appending it.
struct LookupItem: Sendable, Hashable {
    /// The catalog's identity of the message.
    var sha256: Data
    var messageID: String?
    var fingerprint: MessageFingerprint
}

/// Finds which messages a destination folder holds already: candidates by Message-ID and size (or by
/// size alone for a message without Message-ID), confirmed by hashing what the server serves.
struct DestinationLookup {
    let session: IMAPSession
    /// Up to this many items are searched for one by one; more, and the folder is indexed in one pass.
    let searchLimit: Int

    /// Every message's size and Message-ID, by UID.
    typealias HeaderIndex = [UInt32: (size: Int64, messageID: String?)]

    /// The UID of each item found, by its catalog hash. EXAMINEs the folder (read-only). The folder's header
    /// index, when needed, is read into `index` once and used again by later calls (messages appended
    /// since are the caller's own, in its log).
    func find(_ items: [LookupItem], in mailbox: MailboxName, index cached: inout HeaderIndex?) async throws
        -> [Data: Int64]
    {
        guard !items.isEmpty else { return [:] }
        _ = try await session.open(mailbox)
        var candidates = Set<UInt32>()
        if items.count <= searchLimit {
            for item in items { candidates.formUnion(try await session.uidSearch(Self.criteria(for: item))) }
        } else {
            let index: HeaderIndex
            if let cached {
                index = cached
            } else {
                index = try await headerIndex()
            }
            cached = index
            for item in items {
                let sizes = Set(item.fingerprint.forms.map(\.size))
                candidates.formUnion(
                    index.filter { entry in
                        sizes.contains(entry.value.size)
                            && (item.messageID == nil || entry.value.messageID == item.messageID)
                    }.keys)
            }
        }
        let served = try await hashes(of: candidates)
        var byHash: [Data: [UInt32]] = [:]
        for (uid, hash) in served { byHash[hash, default: []].append(uid) }
        var claimed = Set<UInt32>()
        var found: [Data: Int64] = [:]
        // Exact bytes first, so a normalized form never takes a UID that holds another message exactly.
        for pass in 0..<2 {
            for item in items where found[item.sha256] == nil {
                let form = pass == 0 ? item.fingerprint.exact : item.fingerprint.normalized
                guard let form, let uid = byHash[form.sha256]?.sorted().first(where: { !claimed.contains($0) }) else {
                    continue
                }
                claimed.insert(uid)
                found[item.sha256] = Int64(uid)
            }
        }
        return found
    }

    /// `HEADER Message-ID "…"` when the Message-ID can be quoted, else the message's sizes.
    static func criteria(for item: LookupItem) -> String {
        if let id = item.messageID, id.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            let quoted = id.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "HEADER Message-ID \"\(quoted)\""
        }
        let sizes = Set(item.fingerprint.forms.map(\.size)).sorted().map { size in
            size == 0 ? "SMALLER 1" : "LARGER \(size - 1) SMALLER \(size + 1)"
        }
        return sizes.count == 1 ? sizes[0] : "OR (\(sizes[0])) (\(sizes[1]))"
    }

    /// Every message's size and Message-ID, by UID.
    func headerIndex() async throws -> HeaderIndex {
        var index: HeaderIndex = [:]
        var uid: UInt32?
        var size: Int64 = 0
        var header: [UInt8] = []
        let items: [FetchItem] = [.uid, .rfc822Size, .bodyPeek(section: "HEADER.FIELDS (MESSAGE-ID)", partial: nil)]
        try await session.fetch([.all], items: items) { event in
            switch event {
            case .fetchStart:
                (uid, size, header) = (nil, 0, [])
            case .fetchAttribute(.uid(let value)): uid = value
            case .fetchAttribute(.rfc822Size(let value)): size = Int64(value)
            case .fetchBodyChunk(let chunk):
                if header.count < 16 << 10 { header.append(contentsOf: chunk.readableBytesView) }
            case .fetchEnd:
                if let uid { index[uid] = (size, Self.messageID(inHeader: header)) }
            default: break
            }
        }
        return index
    }

    static func messageID(inHeader bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
            .replacingOccurrences(of: "\n ", with: " ").replacingOccurrences(of: "\n\t", with: " ")
        for line in text.split(separator: "\n") where line.lowercased().hasPrefix("message-id:") {
            return MessageSummary.messageID(fromHeader: String(line.dropFirst("message-id:".count)))
        }
        return nil
    }

    /// The SHA-256 of what the server serves for each UID, streamed.
    func hashes(of uids: Set<UInt32>) async throws -> [UInt32: Data] {
        guard !uids.isEmpty else { return [:] }
        let sorted = uids.sorted()
        let sets = stride(from: 0, to: sorted.count, by: 250).map {
            SequenceSet(numbers: Array(sorted[$0..<min($0 + 250, sorted.count)]))
        }
        var result: [UInt32: Data] = [:]
        var uid: UInt32?
        var hasher: SHA256Hasher?
        try await session.fetch(sets, items: [.uid, .bodyPeek(section: "", partial: nil)]) { event in
            switch event {
            case .fetchStart:
                uid = nil
                hasher = SHA256Hasher()
            case .fetchAttribute(.uid(let value)): uid = value
            case .fetchBodyChunk(let chunk): chunk.withUnsafeReadableBytes { hasher?.update($0) }
            case .fetchEnd:
                if let uid, let done = hasher.take() { result[uid] = Data(done.finalize().bytes) }
            default: break
            }
        }
        return result
    }
}
