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
                let backup = try BackupJob(job: config, account: account, progress: renderer)
                let report = try await backup.run(logger: logger)
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
    /// The second half of a migrate job: the staging backup, just brought up to date, replayed into the
    /// destination. A re-run resumes where an interrupted one stopped.
    func replay(_ config: JobConfig, _ migrate: MigrateConfig, jobs: JobFile, logger: Logger) async throws -> ExitStatus {
        let renderer = ProgressRenderer(
            mode: output.progressMode, job: config.name, startVerb: "appending %ld messages")
        do {
            let job = ReplayJob(
                directory: config.into!, destination: try jobs.account(named: migrate.to),
                options: migrate.replayOptions, progress: renderer)
            let report = try await job.run(logger: logger)
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
