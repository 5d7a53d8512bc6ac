import Archives
import Catalog
import Foundation
import IMAPClient
import IMAPCore
import Logging
import MailCore

/// Backs up one account into a backup directory: every folder the filter accepts, incrementally.
public struct BackupJob: Sendable {
    public var job: JobConfig
    public var account: AccountConfig
    public var directory: String
    public var progress: any ProgressSink
    public var clock: @Sendable () -> Int64
    /// Counts (and in crash tests, stops) the run's durable writes; nil in every real run.
    var journal: WriteJournal?
    /// Opens every folder, even those whose LIST-STATUS says nothing changed (watch mode's
    /// periodic full pass).
    public var fullPass = false

    public init(
        job: JobConfig, account: AccountConfig, progress: any ProgressSink = SilentProgress(),
        clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) throws {
        guard let into = job.into else { throw EngineError.unsupported("a backup job without `into`") }
        self.job = job
        self.account = account
        self.directory = into
        self.progress = progress
        self.clock = clock
    }

    /// Runs the backup. Folder and message failures are collected in the report; account-level
    /// failures (authentication, connection) throw, after recording what was saved.
    public func run(logger: Logger) async throws -> BackupReport {
        let started = Date()
        try prepareDirectory()
        let lock = try BackupLock(directory: directory)
        defer { withExtendedLifetime(lock) {} }
        // The catalog opens while the connection is made and TLS is negotiated: a no-change run is
        // mostly these two waits.
        let opening = Task { [job, account, directory, clock, journal] in
            let catalog: Catalog
            do {
                catalog = try Catalog(directory: directory)
            } catch {
                throw EngineError.cannotUse(directory, "\(error)")
            }
            try journal.write(.catalog)
            let accountRecord = try catalog.account(
                name: account.name, protocol: account.mailProtocol.rawValue, host: account.endpoint.host,
                port: account.endpoint.port, user: account.user, now: clock())
            try journal.write(.catalog)
            let run = try catalog.startRun(job: job.name, accountID: accountRecord.id, now: clock())
            return (catalog, accountRecord, run)
        }
        let archives = ArchiveSet(directory: directory, formats: job.formats)
        var report = BackupReport(
            job: job.name, account: account.name, directory: directory, startedAt: clock(), seconds: 0,
            outcome: .success, folders: [])
        var accountError: (any Error & Sendable)?
        do {
            switch account.mailProtocol {
            case .imap:
                report.folders = try await AccountSession.withIMAP(account, logger: logger) { session in
                    let (catalog, accountRecord, _) = try await opening.value
                    return try await backUpFolders(
                        session: session, catalog: catalog, archives: archives, accountID: accountRecord.id!, logger: logger)
                }
            case .pop3:
                report.folders = try await backUpMaildrop(opening: opening, archives: archives, logger: logger)
            }
        } catch let error as FolderRunInterrupted {
            report.folders = error.done
            accountError = error.underlying
        } catch {
            accountError = error
        }
        // A catalog that cannot be opened is the run's error, whatever the connection did.
        let (catalog, accountRecord, startedRun) = try await opening.value
        if accountError == nil, let days = job.pruneGoneAfterDays {
            report.pruned = prune(catalog: catalog, accountID: accountRecord.id!, days: days, logger: logger)
        }
        var run = startedRun
        report.startedAt = run.startedAt
        report.run = run.id
        report.seconds = Date().timeIntervalSince(started)
        if let accountError {
            report.outcome = .failed
            report.error = "\(accountError)"
        } else if report.failedFolders > 0 || report.failedMessages > 0 || report.pruned?.error != nil {
            report.outcome = .partial
        }
        run.finishedAt = clock()
        run.outcome = report.outcome.rawValue
        run.foldersDone = Int64(report.folders.filter { $0.error == nil }.count)
        run.foldersFailed = Int64(report.failedFolders)
        run.messagesNew = Int64(report.newMessages)
        run.bytesNew = report.newBytes
        run.flagsChanged = Int64(report.flagsChanged)
        run.messagesGone = Int64(report.gone + report.deletedFromServer)
        run.report = (try? JSONEncoder().encode(report)).map { String(decoding: $0, as: UTF8.self) }
        if (try? journal.write(.catalog)) != nil {
            try? catalog.finish(run)
            do {
                try RunReportFiles.write(report, directory: directory)
            } catch {
                logger.error("cannot write the run report into \(RunReportFiles.folder(directory)): \(error)")
            }
        }
        if let accountError {
            throw AccountError(account: account.name, underlying: accountError)
        }
        return report
    }

    /// Retention after a complete pass: mail gone from the server `days` days or more leaves the
    /// backup. A failure stops pruning (what was pruned stays pruned) and makes the run partial.
    func prune(catalog: Catalog, accountID: Int64, days: Int, logger: Logger) -> PruneReport {
        let pruner = GonePruner(catalog: catalog, directory: directory, accountID: accountID, journal: journal)
        let report = pruner.prune(goneAtOrBefore: clock() - Int64(days) * 86_400)
        if let error = report.error { logger.error("pruning mail gone from the server stopped: \(error)") }
        if report.placements > 0 {
            logger.info(
                "pruned \(report.messages) messages (\(report.bytes) bytes) gone from the server \(days) days or more")
        }
        return report
    }

    func prepareDirectory() throws {
        try Self.prepare(directory: directory)
    }

    func backUpFolders(session: IMAPSession, catalog: Catalog, archives: ArchiveSet, accountID: Int64, logger: Logger)
        async throws -> [FolderReport]
    {
        var items: [StatusItem] = [.messages, .uidValidity, .uidNext]
        if session.hasCapability("CONDSTORE") { items.append(.highestModSeq) }
        let listed = try await session.listMailboxes(status: items)
        let filter = FolderFilter(include: job.include, exclude: job.exclude)
        let chosen = listed.filter { mailbox in
            mailbox.isSelectable
                && filter.accepts(mailbox.name.description, delimiter: mailbox.list.delimiter.map { Character(UnicodeScalar($0)) })
        }
        progress.report(.connected(account: account.name, folders: chosen.count))
        var existing = Dictionary(
            try catalog.folders(accountID: accountID).map { ($0.rawName, $0) }, uniquingKeysWith: { a, _ in a })
        var takenPaths = try catalog.folderPaths(accountID: accountID)
        let budget = try ByteBudget.forRun(of: account, accountID: accountID, catalog: catalog, now: clock())
        let accountDirectory = PathComponent.escape(account.name)
        var reports: [FolderReport] = []
        for (index, mailbox) in chosen.enumerated() {
            let raw = Data(mailbox.name.bytes)
            var record: FolderRecord
            if let known = existing[raw] {
                record = known
            } else {
                record = newRecord(for: mailbox, accountID: accountID, taken: &takenPaths)
                try journal.write(.folderRecord)
                try catalog.save(&record)
                existing[raw] = record
            }
            let backup = FolderBackup(
                session: session, catalog: catalog, archives: archives, listed: mailbox, record: record,
                folderDirectory: accountDirectory + "/" + record.path, progress: progress, clock: clock,
                journal: journal)
            backup.fullPass = fullPass
            backup.budget = budget
            do {
                let report = try await backup.run(index: index + 1, count: chosen.count)
                reports.append(report)
                progress.report(.folderFinished(report))
            } catch {
                var report = backup.report
                report.error = "\(error)"
                reports.append(report)
                progress.report(.folderFinished(report))
                if !Self.isFolderScoped(error) {
                    throw FolderRunInterrupted(done: reports, underlying: error)
                }
                logger.error("folder \(record.name): \(error)")
            }
        }
        // Folders the server no longer lists are marked gone; their mail stays in the archive.
        let listedNames = Set(listed.map { Data($0.name.bytes) })
        for var record in existing.values where !listedNames.contains(record.rawName) && record.goneAt == nil {
            record.goneAt = clock()
            try journal.write(.folderRecord)
            try catalog.save(&record)
        }
        return reports
    }

    /// A POP3 account: its maildrop is folder INBOX. Deletions are recorded only after the server
    /// accepted QUIT; a failure keeps the report of what was saved.
    func backUpMaildrop(
        opening: Task<(Catalog, AccountRecord, RunRecord), any Error>, archives: ArchiveSet, logger: Logger
    ) async throws -> [FolderReport] {
        var backup: POP3Backup?
        do {
            let deletions = try await AccountSession.withPOP3(account, logger: logger) { session in
                let (catalog, accountRecord, _) = try await opening.value
                let maildrop = try POP3Backup(
                    catalog: catalog, archives: archives, account: account, accountID: accountRecord.id!, progress: progress,
                    clock: clock, journal: journal)
                maildrop.budget = try ByteBudget.forRun(
                    of: account, accountID: accountRecord.id!, catalog: catalog, now: clock())
                backup = maildrop
                progress.report(.connected(account: account.name, folders: 1))
                let deletions = try await maildrop.run(session)
                // QUIT follows when this returns.
                if !deletions.isEmpty { try journal.write(.pop3Quit) }
                return deletions
            }
            try backup?.recordDeleted(deletions)
        } catch {
            guard let backup else { throw error }
            var report = backup.report
            report.error = "\(error)"
            progress.report(.folderFinished(report))
            throw FolderRunInterrupted(done: [report], underlying: error)
        }
        guard let report = backup?.report else { return [] }
        progress.report(.folderFinished(report))
        return [report]
    }

    func newRecord(for mailbox: ListedMailbox, accountID: Int64, taken: inout Set<String>) -> FolderRecord {
        let delimiter = mailbox.list.delimiter
        let folderPath: FolderPath
        if let decoded = mailbox.name.decoded {
            folderPath = FolderPath(name: decoded, delimiter: delimiter.map { Character(UnicodeScalar($0)) })
        } else {
            folderPath = FolderPath(rawName: mailbox.name.bytes, delimiter: delimiter)
        }
        let path = Self.uniquePath(folderPath, taken: &taken)
        let now = clock()
        return FolderRecord(
            accountId: accountID, rawName: Data(mailbox.name.bytes), name: mailbox.name.description,
            delimiter: delimiter.map { String(UnicodeScalar($0)) }, specialUse: mailbox.specialUse, path: path,
            firstSeen: now, lastSeen: now)
    }

    /// The folder's path in the archive, with `~2`, `~3`… when another folder of the account has it.
    static func uniquePath(_ folderPath: FolderPath, taken: inout Set<String>) -> String {
        var path = folderPath.relativePath
        var suffix = 2
        while taken.contains(path) {
            path = folderPath.relativePath + "~\(suffix)"
            suffix += 1
        }
        taken.insert(path)
        return path
    }

    /// Failures that spoil one folder only; anything else (the connection, the disk) ends the account.
    static func isFolderScoped(_ error: any Error) -> Bool {
        switch error {
        case let error as IMAPError:
            if case .commandFailed = error { return true }
            return false
        case let error as ArchiveError:
            return !error.isOutOfSpace
        case let error as MboxError:
            return !error.isOutOfSpace
        default:
            return false
        }
    }
}

/// The account's run broke off after some folders were done.
struct FolderRunInterrupted: Error {
    var done: [FolderReport]
    var underlying: any Error & Sendable
}
