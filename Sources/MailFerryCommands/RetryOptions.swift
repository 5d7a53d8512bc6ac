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

    /// Runs `body` until it succeeds, fails in a way waiting will not cure, or the retries are used up.
    func retrying<Result>(
        renderer: ProgressRenderer, logger: Logger, _ body: () async throws -> Result
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
                logger.warning("\(message); trying again in \(wait) s (attempt \(attempt + 1) of \(retries + 1))")
                try await Task.sleep(for: .seconds(delay))
                attempt += 1
            }
        }
    }
}
