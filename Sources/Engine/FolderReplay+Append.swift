import Archives
import Catalog
import Foundation
import IMAPClient
import IMAPCore

/// The APPENDs of one batch: MULTIAPPEND when offered, single APPENDs for what a refused MULTIAPPEND
/// held, and one more try without keywords for a message the server refused because of them.
extension FolderReplay {
    /// A message ready to append: its archive file checked against the catalog.
    struct Ready {
        var candidate: ReplayCandidate
        var file: any ArchivedMessage
        var request: AppendRequest
    }

    func append(_ batch: [ReplayCandidate], uidValidity: Int64?) async throws {
        var ready: [Ready] = []
        for candidate in batch {
            guard let file = open(candidate) else { continue }
            guard let date = InternalDate(candidate.internalDate) else {
                fail(candidate, "the catalog's INTERNALDATE \"\(candidate.internalDate)\" is unreadable")
                continue
            }
            do {
                guard try MessageFingerprint(file: file, normalizing: false).exact.sha256 == candidate.sha256 else {
                    fail(candidate, "the archived copy \(file.path) does not match its catalog hash (damaged copy)")
                    continue
                }
            } catch {
                fail(candidate, "\(error)")
                continue
            }
            let flags = candidate.flags.split(separator: " ").filter { $0.lowercased() != "\\recent" }.map {
                Flag(String($0))
            }
            ready.append(
                Ready(
                    candidate: candidate, file: file,
                    request: AppendRequest(mailbox: mailbox, flags: flags, date: date, size: Int(candidate.size))))
        }
        guard !ready.isEmpty else { return }
        try catalog.recordReplay(
            ready.map { ReplayLogEntry(sha256: $0.candidate.sha256, state: .pending, uidValidity: uidValidity) },
            destination: destination.identity, folder: folderKey, now: clock())
        var rounds = AppendRounds(ready: ready, uidValidity: uidValidity)
        do {
            // Pending rows stay pending until the server answers: a connection lost in the middle of a
            // MULTIAPPEND leaves all of its messages or none on the destination; the next run looks them up.
            let again = try await send(Array(ready.indices), grouped: true, &rounds)
            // All or none (RFC 3502): a refused MULTIAPPEND names no message, so each goes again alone.
            _ = try await send(again, grouped: false, &rounds)
            let stripped = rounds.keywordRetries
            rounds.keywordRetries = [:]
            _ = try await send(stripped.keys.sorted(), grouped: false, &rounds, without: stripped)
        } catch {
            // What the server confirmed is recorded; the rest stays pending and is looked up next time.
            try? record(done: rounds.done, refused: rounds.refused)
            throw error
        }
        try record(done: rounds.done, refused: rounds.refused)
    }

    /// What the rounds of one batch learnt.
    struct AppendRounds {
        var ready: [Ready]
        var uidValidity: Int64?
        var done: [ReplayLogEntry] = []
        var refused: [Data] = []
        /// Messages refused because of their keywords: the keywords and the server's words.
        var keywordRetries: [Int: (keywords: [Flag], reason: String)] = [:]
    }

    /// Sends the messages at `indices` of `rounds.ready`, several per command when `grouped`, each
    /// without the keywords `without` names; returns the messages of refused MULTIAPPENDs.
    func send(
        _ indices: [Int], grouped: Bool, _ rounds: inout AppendRounds,
        without stripped: [Int: (keywords: [Flag], reason: String)] = [:]
    ) async throws -> [Int] {
        guard !indices.isEmpty else { return [] }
        let ready = rounds.ready
        let requests = indices.map { index in
            var request = ready[index].request
            if let keywords = stripped[index]?.keywords { request.flags.removeAll { keywords.contains($0) } }
            return request
        }
        let commands = grouped ? groups(indices.map { ready[$0] }) : indices.indices.map { $0..<$0 + 1 }
        var again: [Int] = []
        try await destination.session.append(requests, groups: commands, window: options.appendWindow) { position in
            let file = ready[indices[position]].file
            try file.rewind()
            return { buffer in try file.read(into: buffer) }
        } completed: { group, outcome in
            report.appendCommands += 1
            switch outcome {
            case .appended(let validity, let uids):
                for (offset, position) in group.enumerated() {
                    let index = indices[position]
                    let candidate = ready[index].candidate
                    rounds.done.append(
                        ReplayLogEntry(
                            sha256: candidate.sha256, state: .done,
                            uidValidity: validity.map(Int64.init) ?? rounds.uidValidity,
                            uid: uids.isEmpty ? nil : Int64(uids[offset])))
                    report.appended += 1
                    report.appendedBytes += candidate.size
                    progress.report(.messageSaved(bytes: Int(candidate.size)))
                    if let dropped = stripped[index] {
                        noteDropped(candidate, keywords: dropped.keywords, reason: dropped.reason)
                    }
                }
            case .refused(let status, let text) where group.count == 1:
                let index = indices[group.lowerBound]
                let candidate = ready[index].candidate
                let reason = "\(status.rawValue) \(text)"
                let keywords = requests[group.lowerBound].flags.filter { !$0.isSystem }
                if stripped[index] == nil, !keywords.isEmpty, Self.blamesFlags(text) {
                    // Only the keywords the refusal names, when it names any; else all of them.
                    let named = keywords.filter { "\(text)".contains($0.name) }
                    rounds.keywordRetries[index] = (named.isEmpty ? keywords : named, reason)
                } else {
                    rounds.refused.append(candidate.sha256)
                    if let first = stripped[index] {
                        fail(
                            candidate,
                            "APPEND refused: \(first.reason); again without \(Self.names(first.keywords)): \(reason)")
                    } else {
                        fail(candidate, "APPEND refused: \(reason)")
                    }
                }
            case .refused:
                again += group.map { indices[$0] }
            }
        }
        return again
    }

    /// A refusal that names flags or keywords (`NO Invalid keyword`, `NO [CANNOT] Flag not permitted`).
    static func blamesFlags(_ text: ResponseText) -> Bool {
        let words = "\(text)".lowercased()
        return words.contains("keyword") || words.contains("flag")
    }

    static func names(_ keywords: [Flag]) -> String { keywords.map(\.name).joined(separator: " ") }

    func noteDropped(_ candidate: ReplayCandidate, keywords: [Flag], reason: String) {
        let source = sourceNames[candidate.folderID] ?? "?"
        report.keywordsDropped.append(
            "\(source) UID \(candidate.uid): appended without \(Self.names(keywords)) (the server refused them: \(reason))"
        )
    }

    /// The APPEND commands of a batch: several messages each (MULTIAPPEND, RFC 3502) when the server offers
    /// it, up to `multiAppendMessages` and about `multiAppendBytes`; one each otherwise.
    func groups(_ ready: [Ready]) -> [Range<Int>] {
        guard destination.session.hasCapability("MULTIAPPEND"), options.multiAppendMessages > 1 else {
            return ready.indices.map { $0..<$0 + 1 }
        }
        var groups: [Range<Int>] = []
        var start = 0
        var bytes: Int64 = 0
        for index in ready.indices {
            if index > start,
                index - start >= options.multiAppendMessages
                    || bytes + ready[index].candidate.size > options.multiAppendBytes
            {
                groups.append(start..<index)
                start = index
                bytes = 0
            }
            bytes += ready[index].candidate.size
        }
        if start < ready.count { groups.append(start..<ready.count) }
        return groups
    }
}
