import Engine
import Foundation
import TestSupport
import Testing

/// `max_bytes_per_day`: a run downloads at most what is left of the account's budget for the last
/// 24 hours; what it held back comes with later runs, nothing is skipped for good.
@Suite struct ByteBudgetTests {
    static let start: Int64 = 1_800_000_000
    static let hour: Int64 = 3_600

    @Test func imapRunsStayWithinTheDailyBudgetAndCatchUpLater() async throws {
        let fixture = try await BackupFixture.make()
        var generator = CorpusGenerator(seed: 81)
        let inbox = (0..<6).map { _ in generator.message(ofSize: 3_000) }
        try fixture.server.deliver(user: "alice", folder: "INBOX", messages: inbox)
        try fixture.server.deliver(user: "alice", folder: "Lists", messages: (0..<2).map { _ in generator.message(ofSize: 3_000) })
        let size = Int64(inbox[0].servedBytes.count)
        // Three messages a day.
        fixture.account.maxBytesPerDay = 3 * size + size / 2

        let first = try await fixture.backup(clock: { Self.start })
        #expect(first.newMessages == 3 && first.outcome == .success)
        // The five held back are named in the folders' notes.
        let notes = first.folders.flatMap(\.notes)
        let left = notes.compactMap { note -> Int? in
            guard note.hasPrefix("max_bytes_per_day reached: ") else { return nil }
            return Int(note.dropFirst("max_bytes_per_day reached: ".count).prefix { $0.isNumber })
        }
        #expect(left.reduce(0, +) == 5, "\(notes)")

        // An hour later the day's budget is spent: nothing new is fetched.
        let spent = try await fixture.backup(clock: { Self.start + Self.hour })
        #expect(spent.newMessages == 0)

        // A day later, three more; then the rest.
        let next = try await fixture.backup(clock: { Self.start + 25 * Self.hour })
        #expect(next.newMessages == 3)
        let last = try await fixture.backup(clock: { Self.start + 50 * Self.hour })
        #expect(last.newMessages == 2 && last.folders.flatMap(\.notes).isEmpty)
        #expect(try fixture.backupState() == (try await fixture.serverState()).filter { !$0.value.isEmpty })
    }

    /// A message bigger than the whole budget goes alone on a day nothing else was fetched, or it
    /// would block everything after it.
    @Test func aMessageBiggerThanTheBudgetGoesAloneOnAFreshDay() async throws {
        let fixture = try await BackupFixture.make()
        var generator = CorpusGenerator(seed: 82)
        try fixture.server.deliver(
            user: "alice", folder: "INBOX", messages: [generator.message(ofSize: 40_000), generator.message(ofSize: 2_000)])
        fixture.account.maxBytesPerDay = 10_000
        let first = try await fixture.backup(clock: { Self.start })
        #expect(first.newMessages == 1 && first.newBytes > 10_000)
        let second = try await fixture.backup(clock: { Self.start + 25 * Self.hour })
        #expect(second.newMessages == 1)
    }

    @Test func pop3RunsStayWithinTheDailyBudget() async throws {
        let fixture = try await BackupFixture.pop3()
        var generator = CorpusGenerator(seed: 83)
        let mail = (0..<4).map { _ in generator.message(ofSize: 3_000) }
        try fixture.server.deliver(user: "alice", folder: "INBOX", messages: mail)
        fixture.account.maxBytesPerDay = 2 * Int64(mail[0].servedBytes.count) + 100
        let first = try await fixture.backup(clock: { Self.start })
        #expect(first.newMessages == 2)
        #expect(first.folders.flatMap(\.notes).contains { $0.contains("max_bytes_per_day reached: 2 new messages") })
        let second = try await fixture.backup(clock: { Self.start + 25 * Self.hour })
        #expect(second.newMessages == 2)
        #expect(try fixture.pop3Archive().live == (try await fixture.pop3ServerHashes()))
    }

    @Test func theKeyTakesSizes() throws {
        let text = """
            [accounts.a]
            host = "imap.example.org"
            user = "a"
            password_env = "X"
            max_bytes_per_day = "2500MB"
            """
        #expect(try JobFile.parse(text, path: "/tmp/jobs.toml").accounts["a"]?.maxBytesPerDay == 2_500_000_000)
        #expect {
            _ = try JobFile.parse(text.replacingOccurrences(of: "\"2500MB\"", with: "\"lots\""), path: "/tmp/jobs.toml")
        } throws: { error in
            "\(error)".contains("jobs.toml:5") && "\(error)".contains("max_bytes_per_day")
        }
    }
}
