import ArgumentParser
import Engine
import Foundation
import Logging

/// `mailferry run JOBFILE [--job NAME]`: runs the job file's jobs.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the jobs of a job file (or the one named with --job).",
        discussion: ExitStatus.documentation
    )

    @Argument(help: "The job file (TOML).") var jobFile: String
    @Option(name: .long, help: "Run only this job.") var job: String?
    @OptionGroup var retry: RetryOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let logger = output.makeLogger()
        let jobs: JobFile
        do {
            jobs = try JobFile.load(path: jobFile)
        } catch {
            throw output.fail(error)
        }
        var selected = jobs.jobs
        if let job {
            selected = jobs.jobs.filter { $0.name == job }
            guard !selected.isEmpty else {
                throw output.fail(ConfigError(file: jobFile, line: nil, message: "no job named \"\(job)\""))
            }
        }
        var worst = ExitStatus.success
        for config in selected {
            guard let accountName = config.backup, let account = jobs.accounts[accountName] else { continue }
            let renderer = ProgressRenderer(mode: output.progressMode, job: config.name)
            do {
                let report = try await backUp(config, account, renderer: renderer, logger: logger)
                renderer.finish(report)
                if report.outcome != .success { worst = worst.worse(.partialFailure) }
                if let migrate = config.migrate {
                    worst = worst.worse(try await replay(config, migrate, jobs: jobs, logger: logger))
                }
            } catch {
                renderer.clearLine()
                let failure = output.fail(error)
                worst = worst.worse(ExitStatus(rawValue: failure.rawValue) ?? .internalError)
            }
        }
        if worst != .success { throw ExitCode(worst.rawValue) }
    }
}

extension RunCommand {
    /// Runs a backup job, again after a failure that waiting may cure (a dropped connection, a server
    /// that throttles): the next attempt resumes where the last one stopped.
    func backUp(_ config: JobConfig, _ account: AccountConfig, renderer: ProgressRenderer, logger: Logger)
        async throws -> BackupReport
    {
        try await retry.retrying(renderer: renderer, logger: logger) {
            try await BackupJob(job: config, account: account, progress: renderer).run(logger: logger)
        }
    }

    /// The second half of a migrate job: the staging backup, just brought up to date, replayed into the
    /// destination, again after a dropped connection or throttling: each attempt resumes where the last stopped.
    func replay(_ config: JobConfig, _ migrate: MigrateConfig, jobs: JobFile, logger: Logger) async throws -> ExitStatus {
        let renderer = ProgressRenderer(
            mode: output.progressMode, job: config.name, startVerb: "appending %ld messages")
        do {
            let job = ReplayJob(
                directory: config.into!, destination: try jobs.account(named: migrate.to),
                options: migrate.replayOptions, name: config.name, progress: renderer)
            let report = try await retry.retrying(renderer: renderer, logger: logger) {
                try await job.run(logger: logger)
            }
            renderer.finish(report)
            return report.outcome == .success ? .success : .partialFailure
        } catch let interrupted as ReplayInterrupted {
            renderer.finish(interrupted.report)
            throw interrupted.underlying
        }
    }
}

extension ExitStatus {
    /// The status to end with when two jobs ended differently: any failure beats success, and the
    /// more fundamental failure beats a partial one.
    func worse(_ other: ExitStatus) -> ExitStatus {
        if self == .success { return other }
        if other == .success { return self }
        if self == .partialFailure { return other }
        return self
    }
}
