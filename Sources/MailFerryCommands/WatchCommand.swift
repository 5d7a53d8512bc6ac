import ArgumentParser
import Dispatch
import Engine
import Foundation
import Logging

/// `mailferry watch JOBFILE [--job NAME]`: keeps backups up to date as mail arrives, until
/// SIGINT or SIGTERM.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Keep the backup jobs of a job file up to date as mail arrives, until SIGINT or SIGTERM.",
        discussion: """
            Runs a pass of each backup job at once, then stays connected: IMAP IDLE on INBOX starts a \
            pass when mail arrives; the other folders (and POP3 accounts, and servers without IDLE) are \
            looked at every `poll` (job key, default 5m); a full pass opens every folder every `every` \
            (default 1h). A lost connection is made again with growing waits. The first SIGINT or \
            SIGTERM lets the pass under way finish and stops; a second stops at once (the backup's \
            order of writes makes that harmless).

            """ + ExitStatus.documentation
    )

    @Argument(help: "The job file (TOML).") var jobFile: String
    @Option(name: .long, help: "Watch only this job.") var job: String?
    @Option(name: .long, help: "Seconds (or 90s, 5m, 1h) between passes when IDLE reports nothing; overrides `poll`.")
    var poll: String?
    @Option(name: .long, help: "Seconds (or 30m, 1h, 1d) between full passes; overrides `every`.") var every: String?
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let logger = output.makeLogger()
        let watched: [(JobConfig, AccountConfig)]
        do {
            watched = try selectJobs()
        } catch {
            throw output.fail(error)
        }
        let stop = WatchStop()
        let signals = Self.stopOnSignals(stop, logger: logger)
        defer { withExtendedLifetime(signals) {} }
        let output = self.output
        let statuses = await withTaskGroup(of: ExitStatus.self) { group in
            for (config, account) in watched {
                group.addTask {
                    do {
                        try await WatchJob(job: config, account: account, timing: config.watch).run(
                            stop: stop, logger: logger
                        ) { fullPass, reason in
                            try await Self.pass(config, account, fullPass: fullPass, reason: reason, output: output, logger: logger)
                        }
                        return .success
                    } catch {
                        let failure = output.fail(error)
                        stop.stop()
                        return ExitStatus(rawValue: failure.rawValue) ?? .internalError
                    }
                }
            }
            var worst = ExitStatus.success
            for await status in group { worst = worst.worse(status) }
            return worst
        }
        if statuses != .success { throw ExitCode(statuses.rawValue) }
    }

    func selectJobs() throws -> [(JobConfig, AccountConfig)] {
        let jobs = try JobFile.load(path: jobFile)
        var selected = jobs.jobs
        if let job {
            selected = jobs.jobs.filter { $0.name == job }
            guard !selected.isEmpty else { throw ConfigError(file: jobFile, line: nil, message: "no job named \"\(job)\"") }
        }
        var watched: [(JobConfig, AccountConfig)] = []
        for var config in selected {
            if config.migrate != nil {
                guard job == nil else {
                    throw ConfigError(
                        file: jobFile, line: nil,
                        message: "job \"\(config.name)\" is a migration: watch keeps backups; run it with `mailferry run`")
                }
                continue
            }
            guard let accountName = config.backup else { continue }
            if let poll {
                guard let seconds = WatchJob.seconds(in: poll) else { throw ValidationError("--poll: not a duration: \(poll)") }
                config.watch.poll = seconds
            }
            if let every {
                guard let seconds = WatchJob.seconds(in: every) else {
                    throw ValidationError("--every: not a duration: \(every)")
                }
                config.watch.every = seconds
            }
            watched.append((config, try jobs.account(named: accountName)))
        }
        guard !watched.isEmpty else {
            throw ConfigError(file: jobFile, line: nil, message: "no backup job to watch")
        }
        return watched
    }

    /// One backup pass; its summary is shown when it changed something or failed.
    static func pass(
        _ config: JobConfig, _ account: AccountConfig, fullPass: Bool, reason: WatchJob.Reason, output: OutputOptions,
        logger: Logger
    ) async throws {
        let renderer = ProgressRenderer(mode: output.progressMode, job: config.name)
        var backup = try BackupJob(job: config, account: account, progress: renderer)
        backup.fullPass = fullPass
        logger.debug("watch: \(config.name): \(reason.rawValue) pass\(fullPass ? " (full)" : "")")
        let report = try await backup.run(logger: logger)
        let changed = report.newMessages > 0 || report.flagsChanged > 0 || report.gone > 0 || report.deletedFromServer > 0
        if reason == .start || changed || report.outcome != .success {
            renderer.finish(report)
        } else {
            renderer.clearLine()
        }
    }

    /// The first SIGINT or SIGTERM stops the watch after the pass under way; a second ends the
    /// process at once.
    static func stopOnSignals(_ stop: WatchStop, logger: Logger) -> [any DispatchSourceSignal] {
        let queue = DispatchQueue(label: "mailferry.signals")
        return [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                if stop.isStopped {
                    FileHandle.standardError.write(Data("mailferry: stopped at once\n".utf8))
                    Glibc.exit(130)
                }
                logger.warning("watch: stopping after the pass under way (signal again to stop at once)")
                stop.stop()
            }
            source.resume()
            return source
        }
    }
}
