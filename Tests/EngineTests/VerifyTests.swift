import Engine
import Foundation
import TestSupport
import Testing

/// Verify against real Dovecots: complete after a restore, and every kind of difference found after bob's
/// account is changed behind its back.
@Suite(.serialized) struct VerifyTests {
    func verify(_ fixture: ReplayFixture, _ options: ReplayOptions = ReplayOptions()) async throws -> VerifyReport {
        try await VerifyJob(directory: fixture.backup.directory.path, destination: fixture.bob, options: options)
            .run(logger: quietLogger)
    }

    @Test func findsMissingExtraTwiceAndChangedFlagsAfterARestore() async throws {
        let fixture = try await ReplayFixture.make(source: .slash, destination: .dotWithInboxPrefix)
        try loadReplayCorpus(fixture.source, extra: 20)
        try await fixture.backUp()
        let restored = try await fixture.restore()
        #expect(restored.outcome == .success)
        let clean = try await verify(fixture)
        #expect(clean.isComplete)
        #expect(clean.expected == restored.appended && clean.present == clean.expected)
        #expect(clean.extra == 0 && clean.flagDifferences == 0 && clean.dateDifferences == 0)

        let bob = fixture.destinationServer
        try bob.doveadm(["expunge", "-u", "bob", "mailbox", "INBOX", "uid", "2"])
        try bob.doveadm(["flags", "add", "-u", "bob", "$Changed", "mailbox", "INBOX.Projects", "uid", "1"])
        var generator = CorpusGenerator(seed: 77)
        try bob.deliver(user: "bob", folder: "INBOX", messages: [generator.message(ofSize: 1_000)])
        let sent = try #require(Corpus.mailbox(seed: 21).first { $0.folder == ["Sent"] }?.messages.first)
        try bob.deliver(user: "bob", folder: "INBOX.Sent", messages: [sent])

        let report = try await verify(fixture)
        #expect(!report.isComplete)
        let inbox = try #require(report.folders.first { $0.destination == "INBOX" })
        #expect(inbox.missing.count == 1 && inbox.extra == 1)
        #expect(inbox.missing[0].hasPrefix("INBOX UID "))
        #expect(report.folders.first { $0.destination == "INBOX.Projects" }?.flagDifferences.count == 1)
        #expect(report.folders.first { $0.destination == "INBOX.Sent" }?.duplicates == 1)
        #expect(report.missing == 1 && report.duplicates == 1)

        // The same filters and mapping as a restore: only INBOX is compared.
        var options = ReplayOptions()
        options.mapping.include = ["INBOX"]
        let inboxOnly = try await verify(fixture, options)
        #expect(inboxOnly.folders.map(\.destination) == ["INBOX"])
    }
}
