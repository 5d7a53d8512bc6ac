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

    public init(
        directory: String, destination: AccountConfig, options: ReplayOptions,
        progress: any ProgressSink = SilentProgress(),
        clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
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
        let selection = try options.filter.selection()
        _ = try FolderMapper(options: options.mapping, destination: DestinationLayout(delimiter: nil))
        let catalog = try Catalog.existing(directory: directory)
        try catalog.check(selection)
        let lock = options.dryRun ? nil : try BackupLock(directory: directory)
        defer { withExtendedLifetime(lock) {} }
        let account = try sourceAccount(catalog)
        let folders = try catalog.folders(accountID: account.id!).sorted { a, b in
            a.name.uppercased() == "INBOX"
                ? b.name.uppercased() != "INBOX" : (b.name.uppercased() != "INBOX" && a.name < b.name)
        }
        var report = ReplayReport(
            source: account.name, destination: destination.name, directory: directory, dryRun: options.dryRun)
        let store = MaildirStore(root: (directory as NSString).appendingPathComponent("maildir"))
        do {
            try await AccountSession.withIMAP(destination, logger: logger) { session in
                let target = ReplayDestination(session: session, account: destination)
                try await target.readLayout()
                let mapper = try FolderMapper(options: options.mapping, destination: target.layout)
                report.mappings = try mapper.map(
                    folders.map {
                        SourceFolder(name: $0.name, delimiter: $0.delimiter?.first, specialUse: $0.specialUse)
                    })
                let plans = Self.plans(folders: folders, mappings: report.mappings)
                progress.report(.connected(account: destination.name, folders: plans.count))
                for (index, plan) in plans.enumerated() {
                    let replay = FolderReplay(
                        destination: target, catalog: catalog, store: store, plan: plan, selection: selection,
                        options: options, progress: progress, clock: clock)
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
            throw error
        } catch {
            report.seconds = Date().timeIntervalSince(started)
            report.outcome = .failed
            report.error = "\(error)"
            throw ReplayInterrupted(
                report: report, underlying: AccountError(account: destination.name, underlying: error))
        }
        report.seconds = Date().timeIntervalSince(started)
        if report.failedFolders > 0 || report.failedMessages > 0 { report.outcome = .partial }
        return report
    }

    func sourceAccount(_ catalog: Catalog) throws -> AccountRecord {
        let accounts = try catalog.accounts()
        if let name = options.sourceAccount {
            guard let account = accounts.first(where: { $0.name == name }) else {
                throw ReplayError.unknownSourceAccount(name, known: accounts.map(\.name))
            }
            return account
        }
        guard let only = accounts.first else { throw ReplayError.noSourceAccount(directory: directory) }
        guard accounts.count == 1 else { throw ReplayError.severalSourceAccounts(accounts.map(\.name)) }
        return only
    }

    /// One plan per destination folder, in the order of the first source folder that maps to it.
    static func plans(folders: [FolderRecord], mappings: [FolderMapping]) -> [FolderPlan] {
        var plans: [FolderPlan] = []
        var positions: [String: Int] = [:]
        for (folder, mapping) in zip(folders, mappings) {
            guard let name = mapping.destination else { continue }
            if let position = positions[name] {
                plans[position].sources.append(folder)
            } else {
                positions[name] = plans.count
                plans.append(FolderPlan(destination: name, sources: [folder], exists: mapping.exists))
            }
        }
        return plans
    }
}
