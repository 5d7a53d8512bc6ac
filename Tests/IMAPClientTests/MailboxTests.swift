import Foundation
import IMAPClient
import IMAPCore
import MailCore
import MailTransport
import NIOCore
import TestSupport
import Testing

/// Listing, fetching, appending, CONDSTORE and IDLE against a real Dovecot.
struct MailboxTests {
    @Test func listsNestedAndNonASCIIFoldersWithSpecialUse() async throws {
        try await withServer { server in
            let names = ["Projects/2024/Q1", "Entwürfe", "Входящие/Архив", "Old Mail", "R&D", "Sent"]
            for name in names { try server.createFolder(user: "alice", name: name) }
            try await server.withSession { session in
                let folders = try await session.listMailboxes()
                let decoded = Set(folders.compactMap(\.name.decoded))
                for name in names { #expect(decoded.contains(name), "missing \(name)") }
                #expect(decoded.contains("Projects/2024"))
                let rd = try #require(folders.first { $0.name.decoded == "R&D" })
                #expect(rd.name.bytes == Array("R&-D".utf8))
                #expect(folders.first { $0.name.decoded == "Sent" }?.specialUse == "\\Sent")
                #expect(folders.allSatisfy { $0.list.delimiter == UInt8(ascii: "/") })
                #expect(folders.first { $0.name.isInbox }?.status["MESSAGES"] == 0)
            }
        }
    }

    @Test func pipelinedFetchOfAThousandMessagesMatchesWhatWasDelivered() async throws {
        try await withServer { server in
            let messages = (0..<1000).map { sampleMessage($0, bodyLines: 5 + $0 % 40) }
            let date = Date(timeIntervalSince1970: 1_700_000_000)
            try server.deliver(
                user: "alice", folder: "INBOX",
                messages: messages.map { CorpusMessage(bytes: $0, flags: [], internalDate: date) })
            let expected = Set(messages.map { SHA256Hasher.hash($0) })
            let (digests, commands) = try await server.withSession { session in
                let selected = try await session.open(.inbox)
                #expect(selected.exists == 1000)
                let uids = try await session.uidSearch("ALL")
                #expect(uids.count == 1000)
                // 20 UID FETCH commands of 50 UIDs each, 8 in flight at once.
                let sets = stride(from: 0, to: uids.count, by: 50).map { SequenceSet(numbers: Array(uids[$0..<min($0 + 50, uids.count)])) }
                var digests: [SHA256Hasher.Digest] = []
                var hasher: SHA256Hasher? = nil
                try await session.fetch(sets, items: IMAPSession.backupItems, window: 8) { event in
                    switch event {
                    case .fetchBodyStart: hasher = SHA256Hasher()
                    case .fetchBodyChunk(let chunk): chunk.withUnsafeReadableBytes { hasher?.update($0) }
                    case .fetchBodyEnd: if let done = hasher.take() { digests.append(done.finalize()) }
                    default: break
                    }
                }
                return (digests, sets.count)
            }
            #expect(commands == 20)
            #expect(digests.count == 1000)
            #expect(Set(digests) == expected)
        }
    }

    @Test func streamsA50MBMessageInBoundedMemory() async throws {
        try await withServer { server in
            let size = 50 * 1024 * 1024
            var message = Corpus.large(size: size)
            let expected = SHA256Hasher.hash(message)
            try server.deliver(
                user: "alice", folder: "INBOX",
                messages: [CorpusMessage(bytes: message, flags: [], internalDate: Date())])
            message = []
            let growth = try await MemoryProbe.leastGrowth(limit: 24 << 20) { probe in
                let (digest, total) = try await server.withSession { session in
                    _ = try await session.open(.inbox)
                    var hasher = SHA256Hasher()
                    var total = 0
                    var chunks = 0
                    try await session.fetch([.all], items: IMAPSession.backupItems) { event in
                        if case .fetchBodyChunk(let chunk) = event {
                            total += chunk.readableBytes
                            chunk.withUnsafeReadableBytes { hasher.update($0) }
                            chunks += 1
                            if chunks % 64 == 0 { probe.sample() }
                        }
                    }
                    return (hasher.finalize(), total)
                }
                #expect(total >= size)
                #expect(digest == expected)
            }
            #expect(growth < 24 * 1024 * 1024, "resident memory grew by \(growth / 1024 / 1024) MB while streaming 50 MB")
        }
    }

    @Test func appendRoundTripKeepsBytesFlagsKeywordsAndInternalDate() async throws {
        try await withServer { server in
            try await server.withSession { session in
                let message = sampleMessage(7)
                let flags = [Flag.seen, Flag.flagged, Flag("$Forwarded"), Flag("NonJunk")]
                let date = InternalDate(year: 2019, month: 2, day: 28, hour: 23, minute: 59, second: 1, zoneMinutes: -330)
                try await session.create(MailboxName("Archive/2019"))
                let appended = try await session.append(
                    to: MailboxName("Archive/2019"), flags: flags, date: date, message: message)
                let uid = try #require(appended?.uid)
                _ = try await session.open(MailboxName("Archive/2019"))
                let fetched = try await session.fetchMessages(SequenceSet(uid...uid))
                let back = try #require(fetched.first)
                #expect(back.body == message)
                #expect(Set((back.flags ?? []).filter { $0 != .recent }) == Set(flags))
                #expect(back.internalDate?.secondsSince1970 == date.secondsSince1970)
                #expect(back.size == UInt64(message.count))
            }
        }
    }

    @Test func condstoreReportsOnlyChangedFlags() async throws {
        try await withServer { server in
            try await server.withSession { session in
                for index in 0..<5 { try await session.append(to: .inbox, message: sampleMessage(index)) }
                let before = try await session.open(.inbox)
                let modSeq = try #require(before.highestModSeq)
                _ = try await session.open(.inbox, readOnly: false)
                try await session.run(.uidStore(SequenceSet(2...3), operation: "+FLAGS.SILENT", flags: [.flagged]))
                _ = try await session.open(.inbox)
                let changed = try await session.fetchMessages(.all, items: [.uid, .flags, .modSeq])
                #expect(changed.count == 5)
                var updates: [UInt32] = []
                try await session.fetch([.all], items: [.uid, .flags], changedSince: modSeq) { event in
                    if case .fetchAttribute(.uid(let uid)) = event { updates.append(uid) }
                }
                #expect(updates.sorted() == [2, 3])
            }
        }
    }

    @Test func idleSeesNewMail() async throws {
        try await withServer { server in
            try await server.withSession { session in
                _ = try await session.open(.inbox)
                let delivery = Task {
                    try await Task.sleep(for: .milliseconds(300))
                    try server.deliver(
                        user: "alice", folder: "INBOX",
                        messages: [CorpusMessage(bytes: sampleMessage(1), flags: [], internalDate: Date())])
                }
                var sawExists = false
                try await session.idle(maxSeconds: 20) { response in
                    if case .exists(let count) = response, count > 0 { sawExists = true }
                    return sawExists
                }
                try await delivery.value
                #expect(sawExists)
            }
        }
    }
}
