import Catalog
import Engine
import Foundation
import IMAPClient
import IMAPCore
import MailCore
import TestSupport
import Testing

/// Incremental IMAP backup against a real Dovecot, checked message by message.
@Suite(.serialized) struct BackupTests {
    @Test func fullBackupMatchesTheServerAndARerunFetchesNothing() async throws {
        let fixture = try await BackupFixture.make()
        try loadStandardMailbox(fixture.server, bigAttachment: 20 << 20)
        let server = try await fixture.serverState()
        #expect(server.values.reduce(0) { $0 + $1.count } >= 500)
        #expect(server.count >= 10)

        let first = try await fixture.backup()
        #expect(first.outcome == .success, "\(first.folders.compactMap(\.error)) \(first.folders.flatMap(\.failedMessages))")
        #expect(first.newMessages == server.values.reduce(0) { $0 + $1.count })
        let backup = try fixture.backupState()
        #expect(backup == server.filter { !$0.value.isEmpty })

        let second = try await fixture.backup()
        #expect(second.outcome == .success)
        #expect(second.newMessages == 0)
        #expect(second.flagsChanged == 0)
        #expect(second.gone == 0)
        #expect(second.folders.allSatisfy { $0.unchanged })
        #expect(try fixture.backupState() == backup)
        // Nothing stored twice, nothing left in tmp/.
        let files = fixture.maildirFiles()
        #expect(files.filter { $0.contains("/tmp/") }.isEmpty)
        #expect(files.count == server.values.reduce(0) { $0 + $1.count })
    }

    @Test func newMailFlagChangesExpungesAndARecreatedFolder() async throws {
        let fixture = try await BackupFixture.make()
        try loadStandardMailbox(fixture.server, extra: 60)
        _ = try await fixture.backup()

        var generator = CorpusGenerator(seed: 5)
        try fixture.server.deliver(
            user: "alice", folder: "INBOX", messages: (0..<5).map { _ in generator.message(ofSize: 3_000) })
        try fixture.server.doveadm(["flags", "add", "-u", "alice", "\\Flagged $Important", "mailbox", "INBOX", "uid", "1:3"])
        try fixture.server.doveadm(["flags", "remove", "-u", "alice", "\\Seen", "mailbox", "INBOX", "uid", "1:*"])
        try fixture.server.doveadm(["expunge", "-u", "alice", "mailbox", "Old Mail", "uid", "1"])
        let before = try await fixture.serverState()
        let recreated = "Projects/2024/Q1"
        let keep = before[recreated] ?? [:]
        try fixture.server.deleteFolder(user: "alice", name: recreated)
        try fixture.server.createFolder(user: "alice", name: recreated)
        var replay = CorpusGenerator(seed: 7)
        try fixture.server.deliver(
            user: "alice", folder: recreated, messages: [replay.message(ofSize: 2_000), replay.message(ofSize: 2_500)])
        _ = keep

        let report = try await fixture.backup()
        #expect(report.outcome == .success, "\(report.folders.compactMap(\.error))")
        #expect(report.newMessages >= 5)
        #expect(report.flagsChanged > 0)
        #expect(report.gone >= 1)
        #expect(report.folders.first { $0.name == recreated }?.rescanned == true)
        let server = try await fixture.serverState()
        #expect(try fixture.backupState() == server.filter { !$0.value.isEmpty })
        // Expunged mail stays in the archive, marked gone.
        let catalog = try fixture.catalog()
        #expect(try catalog.stats().gone >= 1)
        let files = fixture.maildirFiles()
        let stats = try catalog.stats()
        #expect(files.count == stats.placements + stats.gone)

        let again = try await fixture.backup()
        #expect(again.newMessages == 0 && again.flagsChanged == 0 && again.gone == 0)
    }

    @Test func hostileFolderNamesStayInsideTheBackup() async throws {
        let fixture = try await BackupFixture.make()
        // Both archive formats: a folder's Maildir directory and its .mbox file.
        fixture.job.formats = ["maildir", "mbox"]
        for name in Corpus.hostileFolderNames {
            try fixture.server.createFolder(user: "alice", name: name)
            var generator = CorpusGenerator(seed: UInt64(name.utf8.count))
            try fixture.server.deliver(user: "alice", folder: name, messages: [generator.message(ofSize: 1_500)])
        }
        let report = try await fixture.backup()
        #expect(report.outcome == .success, "\(report.folders.compactMap(\.error))")
        let parent = fixture.directory.deletingLastPathComponent()
        let siblings = try FileManager.default.contentsOfDirectory(atPath: parent.path)
        #expect(siblings == ["backup"], "a hostile folder name wrote beside the backup: \(siblings)")
        let mboxRoot = fixture.directory.appendingPathComponent("mbox").resolvingSymlinksInPath().path
        let mboxFiles = FileManager.default.enumerator(atPath: mboxRoot)?.compactMap { $0 as? String } ?? []
        #expect(mboxFiles.filter { $0.hasSuffix(".mbox") }.count >= Corpus.hostileFolderNames.count)
        for file in mboxFiles {
            let resolved = URL(fileURLWithPath: mboxRoot + "/" + file).standardizedFileURL.path
            #expect(resolved.hasPrefix(mboxRoot + "/"))
        }
        let root = fixture.directory.appendingPathComponent("maildir").resolvingSymlinksInPath().path
        for file in fixture.maildirFiles() {
            let resolved = URL(fileURLWithPath: root + "/" + file).standardizedFileURL.path
            #expect(resolved.hasPrefix(root + "/"))
        }
        let server = try await fixture.serverState()
        #expect(try fixture.backupState() == server.filter { !$0.value.isEmpty })
    }

    @Test func aSecondRunOnTheSameDirectoryIsRefused() async throws {
        let fixture = try await BackupFixture.make()
        try FileManager.default.createDirectory(at: fixture.directory, withIntermediateDirectories: true)
        let lock = try BackupLock(directory: fixture.directory.path)
        await #expect {
            _ = try await fixture.backup()
        } throws: { error in
            guard case .locked? = error as? EngineError else { return false }
            return true
        }
        withExtendedLifetime(lock) {}
    }

    @Test func includeAndExcludeGlobs() async throws {
        let fixture = try await BackupFixture.make(exclude: ["Projects*", "Junk"])
        try loadStandardMailbox(fixture.server, extra: 20)
        let report = try await fixture.backup()
        #expect(!report.folders.contains { $0.name.hasPrefix("Projects") || $0.name == "Junk" })
        #expect(report.folders.contains { $0.name == "INBOX" })
    }
}
