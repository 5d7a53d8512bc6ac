import Foundation
import MailCore
import MailTransport
import POP3Client
import POP3Core
import TestSupport
import Testing

/// POP3Session against the harness Dovecot: both TLS modes, every command a backup uses.
@Suite(.serialized) struct DovecotPOP3Tests {
    @Test(arguments: [TLSMode.implicit, .starttls])
    func retrievesEveryMessageByteExact(_ tls: TLSMode) async throws {
        try await withServer { server in
            var generator = CorpusGenerator(seed: 3)
            var messages = (0..<30).map { generator.message(ofSize: 2_000 + $0 * 300) }
            messages.append(generator.bareLineFeeds())
            messages.append(CorpusMessage("Subject: dots\r\n\r\n.\r\n..\r\n.leading\r\nend\r\n", internalDate: Date()))
            try server.deliver(user: "alice", folder: "INBOX", messages: messages)
            try await server.withPOP3(tls: tls) { session in
                #expect(session.capabilities.contains("UIDL"))
                #expect(session.capabilities.contains("PIPELINING"))
                let stat = try await session.stat()
                #expect(stat.count == messages.count)
                let list = try await session.list()
                let uids = try #require(try await session.uniqueIDs())
                #expect(Set(uids.map(\.uid)).count == messages.count)
                let fetched = try await session.retrieveAll()
                for (index, message) in messages.enumerated() {
                    #expect(fetched[index + 1] == message.servedBytes, "message \(index + 1)")
                    #expect(list[index].size == message.servedBytes.count)
                }
                #expect(stat.size == list.reduce(0) { $0 + $1.size })
            }
        }
    }

    @Test func streamsA40MBMessageInBoundedMemory() async throws {
        try await withServer { server in
            var message = Corpus.large(size: 40 << 20, seed: 9)
            let expected = SHA256Hasher.hash(message)
            try server.deliver(user: "alice", folder: "INBOX", messages: [CorpusMessage(bytes: message, internalDate: Date())])
            message = []
            let growth = try await MemoryProbe.leastGrowth(limit: 24 << 20) { probe in
                let (digest, total) = try await server.withPOP3 { session in
                    var hasher = SHA256Hasher()
                    var total = 0
                    var chunks = 0
                    try await session.retrieve([.init(number: 1, limit: 64 << 20)]) { _, event in
                        guard case .data(let chunk) = event else { return }
                        total += chunk.readableBytes
                        chunk.withUnsafeReadableBytes { hasher.update($0) }
                        chunks += 1
                        if chunks % 64 == 0 { probe.sample() }
                    }
                    return (hasher.finalize(), total)
                }
                #expect(digest == expected)
                #expect(total >= 40 << 20)
            }
            #expect(growth < 24 << 20, "resident memory grew by \(growth >> 20) MB while streaming 40 MB")
        }
    }

    @Test func topGivesTheHeaders() async throws {
        try await withServer { server in
            var generator = CorpusGenerator(seed: 4)
            try server.deliver(user: "alice", folder: "INBOX", messages: [generator.message(ofSize: 5_000)])
            try await server.withPOP3 { session in
                var header: [UInt8] = []
                try await session.retrieve([.init(number: 1, limit: 1 << 20, topLines: 0)]) { _, event in
                    if case .data(let chunk) = event { header += chunk.readableBytesView }
                }
                let text = String(decoding: header, as: UTF8.self)
                #expect(text.hasSuffix("\r\n\r\n"))
                #expect(text.contains("Subject:"))
                #expect(header.count < 5_000)
            }
        }
    }

    @Test func deletionsHappenOnlyAtQuit() async throws {
        try await withServer { server in
            var generator = CorpusGenerator(seed: 5)
            try server.deliver(user: "alice", folder: "INBOX", messages: (0..<4).map { _ in generator.message(ofSize: 1_000) })
            // A session that ends without QUIT (an error) forgets its DELEs.
            struct Abort: Error {}
            await #expect(throws: Abort.self) {
                try await server.withPOP3 { session in
                    #expect(try await session.delete([1, 2]) == [1, 2])
                    throw Abort()
                }
            }
            #expect(try await server.withPOP3 { try await $0.stat().count } == 4)
            // RSET takes them back; QUIT then deletes what is still marked.
            try await server.withPOP3 { session in
                _ = try await session.delete([1, 2, 3])
                try await session.reset()
                _ = try await session.delete([4])
            }
            #expect(try await server.withPOP3 { try await $0.stat().count } == 3)
        }
    }

    @Test func wrongPasswordIsAnAuthenticationFailure() async throws {
        try await withServer { server in
            await #expect {
                try await POP3Session.withSession(endpoint: server.pop3Endpoint(.implicit), logger: testLogger) { session in
                    try await session.login(user: "alice", password: Secret("wrong"))
                }
            } throws: { error in
                guard case .authenticationFailed? = error as? POP3Error else { return false }
                return !"\(error)".contains("wrong")
            }
        }
    }

    @Test func starttlsRequiredButNotOffered() async throws {
        try await withServer(.init(starttls: false)) { server in
            await #expect(throws: POP3Error.stlsNotOffered) {
                try await server.withPOP3(tls: .starttls) { _ in }
            }
            // Plain text works when asked for (with a warning in the log).
            let count = try await server.withPOP3(tls: TLSMode.none) { try await $0.stat().count }
            #expect(count == 0)
        }
    }

    @Test func untrustedCertificateIsRefused() async throws {
        try await withServer { server in
            var endpoint = server.pop3Endpoint(.implicit)
            endpoint.caFile = nil
            await #expect {
                try await POP3Session.withSession(endpoint: endpoint, logger: testLogger) { _ in }
            } throws: { error in
                guard case .transport(.certificateUntrusted)? = error as? POP3Error else { return false }
                return true
            }
        }
    }
}
