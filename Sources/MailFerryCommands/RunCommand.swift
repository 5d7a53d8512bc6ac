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
    @Option(
        name: .long,
        help: "Jobs of different accounts to run at once (overrides the job file's `parallel`).")
    var parallel: Int?
    @OptionGroup var retry: RetryOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let parallel, parallel < 1 { throw ValidationError("--parallel must be at least 1") }
    }

    func run() async throws {
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
        let planned = selected.compactMap { config -> PlannedJob? in
            guard let name = config.backup, let source = jobs.accounts[name] else { return nil }
            return PlannedJob(config: config, source: source, destination: config.migrate.flatMap { jobs.accounts[$0.to] })
        }
        let lanes = parallel ?? jobs.parallel
        let outcomes = await retry.runner(output: output, parallel: lanes).runAll(planned, parallel: lanes)
        let worst = JobRunner.worst(outcomes)
        if worst != .success { throw ExitCode(worst.rawValue) }
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
