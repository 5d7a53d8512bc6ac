import Archives
import Catalog
import Foundation
import Logging

/// A replay source or option that cannot be used.
public enum ReplayError: Error, Sendable, Hashable, CustomStringConvertible {
    case noSourceAccount(directory: String)
    case unknownSourceAccount(String, known: [String])
    case severalSourceAccounts([String])

    public var description: String {
        switch self {
        case .noSourceAccount(let directory): "the backup \(directory) holds no account yet; run a backup first"
        case .unknownSourceAccount(let name, let known):
            "the backup holds no account \"\(name)\" (it holds: \(known.joined(separator: ", ")))"
        case .severalSourceAccounts(let names):
            "the backup holds several accounts (\(names.joined(separator: ", "))); choose one with --source"
        }
    }
}

/// A replay that stopped at the account level (connection, authentication) after some folders.
public struct ReplayInterrupted: Error, Sendable {
    public var report: ReplayReport
    public var underlying: AccountError
}

/// Restores a backup's messages into an IMAP account: maps folders, creates what is missing, and
/// appends what the destination lacks, each message once, with its flags and INTERNALDATE.
public struct ReplayJob: Sendable {
    public var directory: String
    public var destination: AccountConfig
    public var options: ReplayOptions
    public var progress: any ProgressSink
    public var clock: @Sendable () -> Int64
    /// What the catalog's runs table calls the run, before " to ACCOUNT": "restore", or a migrate job's name.
    public var name: String

    public init(
        directory: String, destination: AccountConfig, options: ReplayOptions, name: String = "restore",
        progress: any ProgressSink = SilentProgress(),
        clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.name = name
        self.directory = directory
        self.destination = destination
        self.options = options
        self.progress = progress
        self.clock = clock
    }

    /// Runs the replay. Message and folder failures are in the report; an account-level failure throws
    /// `ReplayInterrupted` with the report so far. Bad options throw before anything is touched.
    public func run(logger: Logger) async throws -> ReplayReport {
        let started = Date()
        let source = try ReplaySource(directory: directory, options: options)
        let lock = options.dryRun ? nil : try BackupLock(directory: directory)
        defer { withExtendedLifetime(lock) {} }
        var report = ReplayReport(
            source: source.account.name, destination: destination.name, directory: directory, dryRun: options.dryRun)
        // A dry run leaves no trace: no run row, no report file.
        let run =
            options.dryRun
            ? nil
            : try source.catalog.startRun(
                job: "\(name) to \(destination.name)", accountID: source.account.id, now: clock())
        report.run = run?.id
        report.startedAt = run?.startedAt ?? clock()
        let archives = ArchiveSet(directory: directory, formats: Array(ArchiveSet.formats))
        do {
            try await source.connect(to: destination, mapping: options.mapping, logger: logger) {
                target, mappings, plans in
                report.mappings = mappings
                progress.report(.connected(account: destination.name, folders: plans.count))
                for (index, plan) in plans.enumerated() {
                    let replay = FolderReplay(
                        destination: target, source: source, archives: archives, plan: plan, options: options,
                        progress: progress, clock: clock)
                    do {
                        report.folders.append(try await replay.run(index: index + 1, count: plans.count))
                    } catch {
                        var failed = replay.report
                        failed.error = "\(error)"
                        report.folders.append(failed)
                        progress.report(.replayFolderFinished(failed))
                        guard BackupJob.isFolderScoped(error) else { throw error }
                        logger.error("folder \(plan.destination): \(error)")
                        continue
                    }
                    progress.report(.replayFolderFinished(report.folders[report.folders.count - 1]))
                }
            }
        } catch let error as FolderMapError {
            report.outcome = .failed
            report.error = "\(error)"
            finish(run, report, catalog: source.catalog, logger: logger)
            throw error
        } catch {
            report.seconds = Date().timeIntervalSince(started)
            report.outcome = .failed
            report.error = "\(error)"
            finish(run, report, catalog: source.catalog, logger: logger)
            throw ReplayInterrupted(
                report: report, underlying: AccountError(account: destination.name, underlying: error))
        }
        report.seconds = Date().timeIntervalSince(started)
        // A message the destination cannot take is mail not restored: the run is partial, not a success.
        if report.failedFolders > 0 || report.failedMessages > 0 || report.tooBig > 0 { report.outcome = .partial }
        finish(run, report, catalog: source.catalog, logger: logger)
        return report
    }

    /// Closes the run's row in the catalog (`mailferry runs`) and writes its report file (`mailferry report`),
    /// as a backup run does. Neither failing loses mail: the replay log is already on disk.
    func finish(_ started: RunRecord?, _ report: ReplayReport, catalog: Catalog, logger: Logger) {
        guard var run = started else { return }
        run.finishedAt = clock()
        run.outcome = report.outcome.rawValue
        run.foldersDone = Int64(report.folders.filter { $0.error == nil }.count)
        run.foldersFailed = Int64(report.failedFolders)
        run.messagesNew = Int64(report.appended)
        run.bytesNew = report.appendedBytes
        run.report = (try? JSONEncoder().encode(report)).map { String(decoding: $0, as: UTF8.self) }
        do {
            try catalog.finish(run)
        } catch {
            logger.error("cannot record the run in the catalog: \(error)")
        }
        do {
            try RunReportFiles.write(report, directory: directory)
        } catch {
            logger.error("cannot write the run report into \(RunReportFiles.folder(directory)): \(error)")
        }
    }
}
