import Catalog
@testable import Engine
import Foundation
import GRDB
import MailCore
import MailTransport
import TestSupport
import Testing

/// How POP3 messages are recognised across runs when UIDLs repeat, are reused or are missing,
/// and when mail arrives in the middle of the maildrop: no loss, nothing twice. A fake server
/// makes such maildrops; the archive and catalog are the real ones.
@Suite(.serialized) struct POP3IdentityTests {
    final class Setup {
        let server: FakePOP3Server
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pop3-\(UUID().uuidString)")
        var policy: POP3Policy

        init(_ messages: [FakePOP3Server.Message], options: FakePOP3Server.Options = .init(), policy: POP3Policy = .init()) throws {
            server = try FakePOP3Server(messages: messages, options: options)
            self.policy = policy
            setenv("MAILFERRY_FAKE_PASSWORD", "pw", 1)
        }

        deinit {
            server.stop()
            try? FileManager.default.removeItem(at: directory)
        }

        func backup() async throws -> FolderReport {
            let account = AccountConfig(
                name: "isp", mailProtocol: .pop3,
                endpoint: Endpoint(host: server.host, port: server.port, tls: .none, connectTimeoutSeconds: 5, readTimeoutSeconds: 10),
                user: "alice", secret: .environment("MAILFERRY_FAKE_PASSWORD"), pop3: policy)
            let job = JobConfig(name: "t", backup: "isp", into: directory.path)
            let report = try await BackupJob(job: job, account: account).run(logger: quietLogger)
            return try #require(report.folders.first)
        }

        /// Hashes of every archived message (files hashed from disk), sorted.
        func archive() throws -> [String] {
            let root = directory.appendingPathComponent("maildir/isp/INBOX/cur")
            return try FileManager.default.contentsOfDirectory(atPath: root.path).map { name in
                SHA256Hasher.hash(try Data(contentsOf: root.appendingPathComponent(name))).hex
            }.sorted()
        }

        /// The commands of the last session, without login.
        var lastSession: [String] { server.transcripts.last ?? [] }
    }

    static func mail(_ index: Int, size: Int = 0, received: Bool = true) -> [UInt8] {
        var text = ""
        if received {
            text += "Received: from mx.example.net by pop.example.net; Tue, 4 Mar 2025 09:\(10 + index % 40):00 +0100\r\n"
        }
        text += "From: sender\(index)@example.org\r\nSubject: message \(index)\r\n\r\nbody \(index)\r\n"
        text += String(repeating: ".dot-stuffed line\r\n", count: size)
        return Array(text.utf8)
    }

    static func hashes(_ messages: [[UInt8]]) -> [String] { messages.map { SHA256Hasher.hash($0).hex }.sorted() }

    @Test func repeatedUIDLsAreToldApartByHeaders() async throws {
        let bodies = [Self.mail(1), Self.mail(2), Self.mail(3, size: 2)]
        let setup = try Setup([
            .init(uidl: "A", bytes: bodies[0]), .init(uidl: "B", bytes: bodies[1]), .init(uidl: "A", bytes: bodies[2]),
        ])
        let first = try await setup.backup()
        #expect(first.newMessages == 3)
        #expect(first.notes.contains { $0.contains("no UIDL of their own") })
        #expect(try setup.archive() == Self.hashes(bodies))
        let second = try await setup.backup()
        #expect(second.newMessages == 0)
        #expect(!setup.lastSession.contains { $0.hasPrefix("RETR") })
        #expect(setup.lastSession.filter { $0.hasPrefix("TOP") } == ["TOP 1 0", "TOP 3 0"])
    }

    @Test func aReusedUIDLWithOtherBytesIsFetchedAgain() async throws {
        let setup = try Setup([.init(uidl: "A", bytes: Self.mail(1)), .init(uidl: "B", bytes: Self.mail(2))])
        #expect(try await setup.backup().newMessages == 2)
        // Another client deleted A; the server hands its UIDL to a new message.
        setup.server.messages = [.init(uidl: "B", bytes: Self.mail(2)), .init(uidl: "A", bytes: Self.mail(9, size: 3))]
        let second = try await setup.backup()
        #expect(second.newMessages == 1)
        #expect(second.gone == 1)
        #expect(try setup.archive() == Self.hashes([Self.mail(1), Self.mail(2), Self.mail(9, size: 3)]))
        #expect(try await setup.backup().newMessages == 0)
    }

    @Test func mailInsertedMidMaildropShiftsNumbersWithoutDuplicates() async throws {
        for options in [FakePOP3Server.Options(), .init(uidl: false), .init(uidl: false, top: false)] {
            let setup = try Setup((1...4).map { .init(uidl: "u\($0)", bytes: Self.mail($0)) }, options: options)
            #expect(try await setup.backup().newMessages == 4)
            setup.server.messages.insert(.init(uidl: "u9", bytes: Self.mail(9)), at: 1)
            setup.server.messages.insert(.init(uidl: "u8", bytes: Self.mail(8)), at: 0)
            let second = try await setup.backup()
            #expect(second.newMessages == 2, "\(options)")
            #expect(try setup.archive() == Self.hashes([1, 2, 3, 4, 8, 9].map { Self.mail($0) }))
            #expect(try await setup.backup().newMessages == 0)
        }
    }

    @Test func withoutUIDLTheReportSaysHowMessagesAreRecognised() async throws {
        let setup = try Setup((1...5).map { .init(uidl: nil, bytes: Self.mail($0)) }, options: .init(uidl: false))
        let first = try await setup.backup()
        #expect(first.newMessages == 5)
        #expect(first.notes.contains { $0.contains("no UIDL") && $0.contains("headers") })
        _ = try await setup.backup()
        #expect(!setup.lastSession.contains { $0.hasPrefix("RETR") })

        let bare = try Setup((1...3).map { .init(uidl: nil, bytes: Self.mail($0)) }, options: .init(uidl: false, top: false, capa: false))
        #expect(try await bare.backup().newMessages == 3)
        let again = try await bare.backup()
        #expect(again.newMessages == 0)
        #expect(again.notes.contains { $0.contains("only by their bytes") })
        #expect(try bare.archive().count == 3)
    }

    @Test func theSameBytesUnderTwoUIDLsAreStoredOnceAndBothDeleted() async throws {
        let setup = try Setup(
            [.init(uidl: "A", bytes: Self.mail(1)), .init(uidl: "B", bytes: Self.mail(1))],
            policy: POP3Policy(keepOnServer: .never))
        let report = try await setup.backup()
        #expect(report.newMessages == 1)
        #expect(report.deletedFromServer == 2)
        #expect(setup.server.messages.isEmpty)
        #expect(try setup.archive() == Self.hashes([Self.mail(1)]))
    }

    @Test func internalDateComesFromTheFirstReceivedHeader() async throws {
        let setup = try Setup([.init(uidl: "A", bytes: Self.mail(0)), .init(uidl: "B", bytes: Self.mail(1, received: false))])
        _ = try await setup.backup()
        let rows = try Catalog.existing(directory: setup.directory.path).pool.read { db in
            try Row.fetchAll(db, sql: "SELECT internal_date, internal_date_source FROM placements ORDER BY uid")
        }
        #expect(rows.map { $0[1] as String } == ["received", "downloaded"])
        #expect(rows[0][0] as String == "04-Mar-2025 08:10:00 +0000")
    }

    @Test func maxMessagesAndMaxBytesSpreadABigMaildropOverRuns() async throws {
        let messages = (1...10).map { FakePOP3Server.Message(uidl: "u\($0)", bytes: Self.mail($0, size: 20)) }
        let setup = try Setup(messages, policy: POP3Policy(maxMessages: 4))
        #expect(try await setup.backup().newMessages == 4)
        let second = try await setup.backup()
        #expect(second.newMessages == 4)
        #expect(second.notes.contains { $0.contains("2 new messages left") })
        setup.policy = POP3Policy(keepOnServer: .never, maxBytes: Int64(messages[0].bytes.count) + 1)
        let third = try await setup.backup()
        #expect(third.newMessages == 1)
        // Everything saved so far may go; the one not yet saved stays.
        #expect(setup.server.messages.map(\.uidl) == ["u10"])
        #expect(try await setup.backup().newMessages == 1)
        #expect(try setup.archive() == Self.hashes(messages.map(\.bytes)))
    }

    @Test func anArchiveFileLostSinceIsFetchedAgainBeforeAnyDelete() async throws {
        let setup = try Setup((1...3).map { .init(uidl: "u\($0)", bytes: Self.mail($0)) })
        #expect(try await setup.backup().newMessages == 3)
        let cur = setup.directory.appendingPathComponent("maildir/isp/INBOX/cur")
        let lost = try #require(try FileManager.default.contentsOfDirectory(atPath: cur.path).first)
        try FileManager.default.removeItem(at: cur.appendingPathComponent(lost))
        setup.policy = POP3Policy(keepOnServer: .never)
        let report = try await setup.backup()
        #expect(report.newMessages == 1)
        #expect(report.deletedFromServer == 3)
        #expect(try setup.archive() == Self.hashes((1...3).map { Self.mail($0) }))
    }

    @Test func aReusedUIDLOfTheSameSizeIsNeverDeletedUnsaved() async throws {
        // Same size, other headers: "message 8" and "message 9" differ only in a digit.
        let old = Self.mail(8, received: false)
        let new = Self.mail(9, received: false)
        #expect(old.count == new.count)
        let setup = try Setup([.init(uidl: "A", bytes: old), .init(uidl: "B", bytes: Self.mail(2))])
        #expect(try await setup.backup().newMessages == 2)
        // Another client deleted A; the server hands its UIDL to a new message of the same size.
        setup.server.messages = [.init(uidl: "A", bytes: new), .init(uidl: "B", bytes: Self.mail(2))]
        setup.policy = POP3Policy(keepOnServer: .never)
        let report = try await setup.backup()
        #expect(report.newMessages == 1)
        #expect(report.notes.contains { $0.contains("reused") })
        #expect(try setup.archive() == Self.hashes([old, new, Self.mail(2)]))
        // Both left the server only once saved.
        #expect(report.deletedFromServer == 2)
        #expect(setup.server.messages.isEmpty)
    }

    // MARK: - UIDLs reused with the same size while everything stays on the server

    /// The TOP commands of the last session.
    static func tops(_ session: [String]) -> [String] { session.filter { $0.hasPrefix("TOP") } }

    @Test func aReusedUIDLOnANewArrivalOfTheSameSizeIsFetchedWhenKeepingEverything() async throws {
        // "message 1" and "message 7" have the same size.
        #expect(Self.mail(1).count == Self.mail(7).count)
        let setup = try Setup((1...3).map { .init(uidl: "u\($0)", bytes: Self.mail($0)) })
        #expect(try await setup.backup().newMessages == 3)
        // Another client deleted u1; the server hands its UIDL to the next arrival, of the same size.
        setup.server.messages = [
            .init(uidl: "u2", bytes: Self.mail(2)), .init(uidl: "u3", bytes: Self.mail(3)), .init(uidl: "u1", bytes: Self.mail(7)),
        ]
        let second = try await setup.backup()
        #expect(second.newMessages == 1)
        #expect(second.notes.contains { $0.contains("reused") })
        // Out of saving order: it was checked, whatever the rolling check's round.
        #expect(Self.tops(setup.lastSession).contains("TOP 3 0"))
        #expect(try setup.archive() == Self.hashes([1, 2, 3, 7].map { Self.mail($0) }))
        #expect(setup.server.messages.count == 3)
        let third = try await setup.backup()
        #expect(third.newMessages == 0)
        #expect(!setup.lastSession.contains { $0.hasPrefix("RETR") })
    }

    @Test func aServerSeenReusingUIDLsHasEverySavedMessageChecked() async throws {
        // UIDLs by position, as some servers make them: a deletion shifts every UIDL.
        let first = Self.mail(1, size: 2)
        let setup = try Setup([
            .init(uidl: "1", bytes: first), .init(uidl: "2", bytes: Self.mail(2)), .init(uidl: "3", bytes: Self.mail(3)),
        ])
        #expect(try await setup.backup().newMessages == 3)
        // Message 1 deleted elsewhere; a new one of message 3's size arrives and gets UIDL 3.
        setup.server.messages = [
            .init(uidl: "1", bytes: Self.mail(2)), .init(uidl: "2", bytes: Self.mail(3)), .init(uidl: "3", bytes: Self.mail(8)),
        ]
        let second = try await setup.backup()
        #expect(second.newMessages == 1)
        #expect(second.notes.contains { $0.contains("reuses UIDLs") })
        #expect(Self.tops(setup.lastSession).sorted() == ["TOP 2 0", "TOP 3 0"])
        #expect(try setup.archive() == Self.hashes([first, Self.mail(2), Self.mail(3), Self.mail(8)]))
        let third = try await setup.backup()
        #expect(third.newMessages == 0)
        #expect(!setup.lastSession.contains { $0.hasPrefix("RETR") })
    }

    @Test func theRollingCheckFindsAReuseNoSignalShowsAndChecksEachMessageOncePerRound() async throws {
        let count = 48
        // "message 101" to "message 148": one size.
        let setup = try Setup((1...count).map { .init(uidl: "u\($0)", bytes: Self.mail($0 + 100)) })
        #expect(try await setup.backup().newMessages == count)
        // A quiet maildrop: over a round of runs, each saved message is checked exactly once.
        var checked: [String] = []
        for _ in 0..<POP3Backup.confirmationRounds {
            #expect(try await setup.backup().newMessages == 0)
            checked += Self.tops(setup.lastSession)
            #expect(!setup.lastSession.contains { $0.hasPrefix("RETR") })
        }
        #expect(checked.sorted() == (1...count).map { "TOP \($0) 0" }.sorted())
        // The newest message deleted elsewhere, its UIDL and size given to the next arrival: in
        // saving order, same count, same sizes. Found within one round, and kept on the server.
        let replacement = Self.mail(count + 200)
        #expect(replacement.count == setup.server.messages[count - 1].bytes.count)
        setup.server.messages[count - 1] = .init(uidl: "u\(count)", bytes: replacement)
        var runs = 0
        var found = 0
        while found == 0, runs < POP3Backup.confirmationRounds {
            found = try await setup.backup().newMessages
            runs += 1
        }
        #expect(found == 1)
        #expect(try setup.archive().contains(SHA256Hasher.hash(replacement).hex))
        #expect(setup.server.messages.count == count)
    }
}
