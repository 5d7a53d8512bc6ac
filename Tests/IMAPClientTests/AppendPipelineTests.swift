import Foundation
import IMAPCore
import MailCore
import TestSupport
import Testing

@testable import IMAPClient

/// Pipelined APPEND against a real Dovecot, with LITERAL+ and with synchronizing literals.
struct AppendPipelineTests {
    @Test(arguments: [true, false])
    func pipelinedAppendsStoreEveryMessageAndARefusalStaysAlone(literalPlus: Bool) async throws {
        try await withServer { server in
            try server.createFolder(user: "bob", name: "Target")
            let messages = (0..<40).map { sampleMessage($0, bodyLines: 3 + $0 * 7) }
            let target = MailboxName("Target")
            let date = try #require(InternalDate("05-Mar-2021 09:08:07 +0100"))
            var requests = messages.map {
                AppendRequest(mailbox: target, flags: [.seen, Flag("$Work")], date: date, size: $0.count)
            }
            // One message to a folder that does not exist: NO [TRYCREATE], the rest goes on.
            requests[7].mailbox = MailboxName("Missing")
            var outcomes: [Int: AppendOutcome] = [:]
            try await server.withSession(user: "bob") { session in
                #expect(session.hasCapability("LITERAL+"))
                session.encoder.literalPlus = literalPlus
                try await session.append(requests, window: 8) { index in
                    var offset = 0
                    let bytes = messages[index]
                    return { buffer in
                        // Small reads: a body arrives in several chunks.
                        let count = min(buffer.count, bytes.count - offset, 1000)
                        buffer.copyBytes(from: bytes[offset..<offset + count])
                        offset += count
                        return count
                    }
                } completed: { index, outcome in
                    outcomes[index] = outcome
                }
                let fetched = try await { () async throws -> [IMAPClient.FetchedMessage] in
                    _ = try await session.open(target)
                    return try await session.fetchMessages(.all)
                }()
                #expect(fetched.count == 39)
                let hashes = Set(fetched.compactMap { $0.body.map(SHA256Hasher.hash) })
                #expect(
                    hashes == Set(messages.enumerated().filter { $0.offset != 7 }.map { SHA256Hasher.hash($0.element) })
                )
                // Maildir keeps the instant (as the file's mtime); Dovecot serves it in its own zone.
                #expect(fetched.allSatisfy { $0.internalDate?.secondsSince1970 == date.secondsSince1970 })
                #expect(fetched.allSatisfy { Set($0.flags ?? []).isSuperset(of: [.seen, Flag("$Work")]) })
            }
            #expect(outcomes.count == 40)
            guard case .refused(.no, let text)? = outcomes[7] else {
                Issue.record("message 7 was not refused: \(String(describing: outcomes[7]))")
                return
            }
            #expect(text.code == .tryCreate)
            let uids = outcomes.values.compactMap { outcome -> UInt32? in
                if case .appended(_, let uid?) = outcome { return uid }
                return nil
            }
            #expect(Set(uids).count == 39)
        }
    }

    @Test func internalDateReadsTheWireForm() {
        let date = InternalDate("17-Jul-1996 02:44:25 -0700")
        #expect(date?.description == "17-Jul-1996 02:44:25 -0700")
        #expect(InternalDate(" 7-Jul-1996 02:44:25 +0000")?.day == 7)
        #expect(InternalDate("17-Jul-1996 02:44:25") == nil)
    }
}
