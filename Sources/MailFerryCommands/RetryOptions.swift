import ArgumentParser
import Engine
import Foundation
import Logging

/// `--retries` and `--retry-delay`: a run that a dropped connection or a server's throttling stopped is
/// started again, and resumes where it stopped (a backup takes only what is missing; a restore's replay
/// log and lookups append nothing twice).
struct RetryOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "Try again this many times after a dropped connection or a server's throttling.")
    var retries = 3
    @Option(
        name: .long,
        help: "Seconds before the first retry, doubled each time, unless the server suggests a wait.")
    var retryDelay = 30.0

    var policy: RetryPolicy { RetryPolicy(retries: retries, retryDelay: retryDelay) }

    func retrying<Result>(
        renderer: ProgressRenderer, logger: Logger, _ body: () async throws -> Result
    ) async throws -> Result {
        try await policy.retrying(renderer: renderer, logger: logger, body)
    }

    /// A runner for jobs run `parallel` at a time: with several at once, progress comes as lines
    /// (a line rewritten in place cannot show two jobs) and error lines name their job.
    func runner(output: OutputOptions, parallel: Int) -> JobRunner {
        let mode = output.progressMode
        return JobRunner(
            retry: policy, mode: parallel > 1 && mode == .terminal ? .lines : mode, json: output.json,
            logger: output.makeLogger(), prefixErrors: parallel > 1)
    }
}

/// How often and after how long a run is tried again.
struct RetryPolicy: Sendable {
    var retries: Int
    var retryDelay: Double

    /// Runs `body` until it succeeds, fails in a way waiting will not cure, or the retries are used
    /// up. Warnings name `job` when given (several jobs run at once).
    func retrying<Result>(
        renderer: ProgressRenderer, logger: Logger, job: String? = nil, _ body: () async throws -> Result
    ) async throws -> Result {
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch {
                let cause = (error as? ReplayInterrupted)?.underlying ?? error
                guard attempt <= retries,
                    let delay = RetryAdvice.delay(after: cause, attempt: attempt, base: max(0, retryDelay))
                else { throw error }
                renderer.clearLine()
                let (message, _) = ErrorReport.describe(cause)
                let wait = String(format: "%g", delay)
                logger.warning(
                    "\(job.map { "\($0): " } ?? "")\(message); trying again in \(wait) s (attempt \(attempt + 1) of \(retries + 1))")
                try await Task.sleep(for: .seconds(delay))
                attempt += 1
            }
        }
    }
}
