import Catalog
import Engine
import Foundation
import MailTransport
import TestSupport
import Testing

/// POP3 backup against a real Dovecot: what is saved, what is left on the server, and when.
@Suite(.serialized) struct POP3BackupTests {
    @Test func twoThousandMessagesKeptOnServerRerunFetchesNothingNewMailArrives() async throws {
        let fixture = try await BackupFixture.pop3()
        var generator = CorpusGenerator(seed: 21)
        try fixture.server.deliver(
            user: "alice", folder: "INBOX", messages: (0..<2000).map { generator.message(ofSize: 1_500 + $0 % 6_000) })
        let server = try await fixture.pop3ServerHashes()
        #expect(server.count == 2000)

        let first = try await fixture.backup()
        #expect(first.outcome == .success, "\(first.folders)")
        #expect(first.newMessages == 2000)
        #expect(first.deletedFromServer == 0)
        #expect(try fixture.pop3Archive().live == server)
        #expect(try fixture.serverCount() == 2000)

        let second = try await fixture.backup()
        #expect(second.outcome == .success)
        #expect(second.newMessages == 0)
        #expect(try fixture.pop3Archive().all == server)

        try fixture.server.deliver(
            user: "alice", folder: "INBOX", messages: (0..<7).map { _ in generator.message(ofSize: 3_000) })
        let third = try await fixture.backup()
        #expect(third.newMessages == 7)
        #expect(try fixture.pop3Archive().live == (try await fixture.pop3ServerHashes()))
        #expect(fixture.maildirFiles().count == 2007)
        #expect(fixture.maildirFiles().allSatisfy { !$0.contains("/tmp/") })
        // Flags empty; INTERNALDATE from the Received: header or the download time, and which is recorded.
        let sources = try await fixture.catalog().pool.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT flags || '|' || internal_date_source FROM placements")
        }
        #expect(Set(sources).isSubset(of: ["|received", "|downloaded"]) && !sources.isEmpty)
    }

    @Test(arguments: [TLSMode.starttls, .none])
    func plainPortWithSTLSOrWithout(_ tls: TLSMode) async throws {
        let fixture = try await BackupFixture.pop3(tls: tls)
        var generator = CorpusGenerator(seed: 22)
        try fixture.server.deliver(user: "alice", folder: "INBOX", messages: (0..<25).map { _ in generator.message(ofSize: 2_000) })
        let report = try await fixture.backup()
        #expect(report.newMessages == 25)
        #expect(try fixture.pop3Archive().live == (try await fixture.pop3ServerHashes()))
    }

    @Test func deleteAfterDaysDeletesExactlyTheOldOnes() async throws {
        let fixture = try await BackupFixture.pop3(POP3Policy(keepOnServer: .days(30)))
        let clock = TestClock()
        var generator = CorpusGenerator(seed: 23)
        try fixture.server.deliver(user: "alice", folder: "INBOX", messages: (0..<10).map { _ in generator.message(ofSize: 2_000) })
        let old = try await fixture.pop3ServerHashes()
        #expect(try await fixture.backup(clock: clock.read).deletedFromServer == 0)

        clock.advance(days: 10)
        try fixture.server.deliver(user: "alice", folder: "INBOX", messages: (0..<5).map { _ in generator.message(ofSize: 2_000) })
        let both = try await fixture.pop3ServerHashes()
        let young = both.filter { !old.contains($0) }
        let second = try await fixture.backup(clock: clock.read)
        #expect(second.newMessages == 5 && second.deletedFromServer == 0)
        #expect(try fixture.serverCount() == 15)

        clock.advance(days: 20)  // day 30: the first ten are exactly 30 days old
        let third = try await fixture.backup(clock: clock.read)
        #expect(third.newMessages == 0)
        #expect(third.deletedFromServer == 10)
        #expect(try await fixture.pop3ServerHashes() == young)
        #expect(try fixture.pop3Archive().all == both)
        #expect(try fixture.pop3Archive().live == young)

        clock.advance(days: 9)
        #expect(try await fixture.backup(clock: clock.read).deletedFromServer == 0)
        clock.advance(days: 1)
        #expect(try await fixture.backup(clock: clock.read).deletedFromServer == 5)
        #expect(try fixture.serverCount() == 0)
        #expect(try fixture.uidlRows() == (15, 15))
        #expect(try fixture.pop3Archive().all == both)
    }

    @Test func keepOnServerFalseEmptiesTheServerOnlyOnceEverythingIsSaved() async throws {
        let fixture = try await BackupFixture.pop3(POP3Policy(keepOnServer: .never))
        var generator = CorpusGenerator(seed: 24)
        var messages = (0..<300).map { _ in generator.message(ofSize: 2_500) }
        messages.append(generator.withAttachment(attachmentSize: 3 << 20))
        try fixture.server.deliver(user: "alice", folder: "INBOX", messages: messages)
        let server = try await fixture.pop3ServerHashes()

        let report = try await fixture.backup()
        #expect(report.outcome == .success, "\(report.folders)")
        #expect(report.newMessages == 301)
        #expect(report.deletedFromServer == 301)
        #expect(try fixture.serverCount() == 0)
        let archive = try fixture.pop3Archive()
        #expect(archive.all == server)
        #expect(archive.live.isEmpty)
        #expect(try fixture.catalog().stats().messages == 301)
        #expect(try fixture.uidlRows() == (301, 301))

        let again = try await fixture.backup()
        #expect(again.newMessages == 0 && again.deletedFromServer == 0)
    }

    @Test func connectionCutBeforeQuitDeletesNothingAndTheRerunStoresNothingTwice() async throws {
        let fixture = try await BackupFixture.pop3(POP3Policy(keepOnServer: .never))
        var generator = CorpusGenerator(seed: 25)
        try fixture.server.deliver(user: "alice", folder: "INBOX", messages: (0..<120).map { _ in generator.message(ofSize: 3_000) })
        let server = try await fixture.pop3ServerHashes()
        let proxy = try CuttingProxy(targetPort: fixture.server.pop3Port, cutAt: "QUIT")
        defer { proxy.stop() }
        fixture.usePOP3(POP3Policy(keepOnServer: .never), tls: .none, host: proxy.host, port: proxy.port)

        await #expect(throws: AccountError.self) { try await fixture.backup() }
        #expect(proxy.cuts == 1)
        #expect(try fixture.serverCount() == 120, "a session without QUIT must delete nothing")
        #expect(try fixture.pop3Archive().all == server, "everything was saved before the DELEs")
        #expect(try fixture.uidlRows() == (120, 0))

        fixture.usePOP3(POP3Policy(keepOnServer: .never), tls: .implicit, port: fixture.server.pop3sPort)
        let rerun = try await fixture.backup()
        #expect(rerun.newMessages == 0)
        #expect(rerun.deletedFromServer == 120)
        #expect(try fixture.serverCount() == 0)
        #expect(try fixture.pop3Archive().all == server)
        #expect(fixture.maildirFiles().count == 120)
    }
}
