import Engine
import Foundation
import Logging

/// One job with its accounts resolved: what `run` and `batch` execute.
struct PlannedJob: Sendable {
    var config: JobConfig
    var source: AccountConfig
    /// A migrate job's destination.
    var destination: AccountConfig?

    /// The accounts and backup directory it uses, for `JobScheduler`.
    var schedulingKeys: Set<String> {
        JobScheduler.keys(accounts: [source.name] + (destination.map { [$0.name] } ?? []), directory: config.into)
    }
}

/// How one job ended, for the summary of a run of several.
struct JobOutcome: Sendable, Encodable {
    var job: String
    var status: ExitStatus
    var backup: BackupReport?
    var replay: ReplayReport?
    /// The error that ended the job, as printed.
    var error: String?

    var newMessages: Int { backup?.newMessages ?? 0 }
    var appended: Int { replay?.appended ?? 0 }

    enum CodingKeys: String, CodingKey { case job, status, exit, error, newMessages, appended }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(job, forKey: .job)
        try container.encode(status.word, forKey: .status)
        try container.encode(status.rawValue, forKey: .exit)
        try container.encodeIfPresent(error, forKey: .error)
        try container.encode(newMessages, forKey: .newMessages)
        try container.encode(appended, forKey: .appended)
    }
}

/// Runs a job: its backup (again after failures that waiting may cure: the next attempt resumes where
/// the last stopped), then a migrate job's replay. Progress lines carry the job's name.
struct JobRunner: Sendable {
    var retry: RetryPolicy
    var mode: ProgressRenderer.Mode
    var json: Bool
    var logger: Logger
    /// Error lines name the job (several run at once).
    var prefixErrors = false

    func run(_ job: PlannedJob) async -> JobOutcome {
        let renderer = ProgressRenderer(mode: mode, job: job.config.name)
        var outcome = JobOutcome(job: job.config.name, status: .success)
        do {
            let report = try await backUp(job.config, job.source, renderer: renderer)
            outcome.backup = report
            renderer.finish(report)
            if report.outcome != .success { outcome.status = .partialFailure }
            if let migrate = job.config.migrate, let destination = job.destination {
                let replay = try await self.replay(job.config, migrate, destination)
                outcome.replay = replay
                if replay.outcome != .success { outcome.status = outcome.status.worse(.partialFailure) }
            }
        } catch {
            renderer.clearLine()
            let (message, status) = ErrorReport.describe(error)
            OutputOptions.printError(
                prefixErrors ? "\(job.config.name): \(message)" : message, status: status, json: json)
            outcome.status = outcome.status.worse(status)
            outcome.error = message
        }
        return outcome
    }

    func backUp(_ config: JobConfig, _ account: AccountConfig, renderer: ProgressRenderer) async throws -> BackupReport
    {
        try await retry.retrying(renderer: renderer, logger: logger, job: config.name) {
            try await BackupJob(job: config, account: account, progress: renderer).run(logger: logger)
        }
    }

    /// The second half of a migrate job: the staging backup, just brought up to date, replayed into the
    /// destination, again after a dropped connection or throttling: each attempt resumes where the last
    /// stopped.
    func replay(_ config: JobConfig, _ migrate: MigrateConfig, _ destination: AccountConfig) async throws
        -> ReplayReport
    {
        let renderer = ProgressRenderer(mode: mode, job: config.name, startVerb: "appending %ld messages")
        do {
            let job = ReplayJob(
                directory: config.into!, destination: destination, options: migrate.replayOptions, name: config.name,
                progress: renderer)
            let report = try await retry.retrying(renderer: renderer, logger: logger, job: config.name) {
                try await job.run(logger: logger)
            }
            renderer.finish(report)
            return report
        } catch let interrupted as ReplayInterrupted {
            renderer.finish(interrupted.report)
            throw interrupted.underlying
        }
    }

    /// Runs `jobs`, `parallel` lanes at a time (see `JobScheduler`), and ends with a line per outcome
    /// when there were several. Returns the outcomes in the jobs' order.
    func runAll(_ jobs: [PlannedJob], parallel: Int) async -> [JobOutcome] {
        let outcomes = await JobScheduler.run(keys: jobs.map(\.schedulingKeys), parallel: parallel) { index in
            await run(jobs[index])
        }
        if jobs.count > 1 { printSummary(outcomes) }
        return outcomes
    }

    func printSummary(_ outcomes: [JobOutcome]) {
        switch mode {
        case .quiet: return
        case .json:
            struct Summary: Encodable {
                let event = "summary"
                let jobs: [JobOutcome]
                let exit: Int32
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            if let data = try? encoder.encode(Summary(jobs: outcomes, exit: Self.worst(outcomes).rawValue)) {
                FileHandle.standardOutput.write(data + Data("\n".utf8))
            }
        case .terminal, .lines:
            let rows = outcomes.map { outcome in
                [
                    outcome.job, outcome.status.word, String(outcome.newMessages),
                    outcome.replay == nil ? "" : String(outcome.appended), outcome.error ?? "",
                ]
            }
            var lines = [""] + TextTable.render(header: ["job", "outcome", "new", "appended", "error"], rows: rows)
            let failed = outcomes.filter { $0.status != .success }.count
            lines.append("\(outcomes.count) jobs: \(outcomes.count - failed) succeeded, \(failed) did not")
            print(lines.joined(separator: "\n"))
        }
    }

    static func worst(_ outcomes: [JobOutcome]) -> ExitStatus {
        outcomes.reduce(ExitStatus.success) { $0.worse($1.status) }
    }
}

extension ExitStatus {
    /// One word for summaries.
    var word: String {
        switch self {
        case .success: "success"
        case .partialFailure: "partial"
        case .configuration: "configuration-error"
        case .authentication: "authentication-failed"
        case .connection: "connection-failed"
        case .server: "server-error"
        case .internalError: "internal-error"
        }
    }
}
