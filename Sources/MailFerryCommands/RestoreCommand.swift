import ArgumentParser
import Engine
import Foundation

/// `mailferry restore DIR --config JOBFILE --to ACCOUNT`: replays a backup into an account.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup into an IMAP account: folder mapping, filters, each message once.",
        discussion: """
            Appends the archived bytes with their flags, keywords and INTERNALDATE. A re-run appends nothing \
            twice: the backup's replay log remembers what went where, and messages the destination already \
            holds (same Message-ID and size, confirmed by hash) are skipped. Messages expunged on the source \
            server after the backup are left out unless --include-gone is given.

            \(ExitStatus.documentation)
            """
    )

    @OptionGroup var replay: ReplayArguments
    @Flag(help: "Print the plan (mapping, messages and bytes per folder, what is already there); change nothing.")
    var dryRun = false
    @OptionGroup var retry: RetryOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let logger = output.makeLogger()
        let renderer = ProgressRenderer(
            mode: output.progressMode, job: "restore",
            startVerb: dryRun ? "would append %ld messages" : "appending %ld messages")
        do {
            let job = ReplayJob(
                directory: replay.directory, destination: try replay.destination(),
                options: replay.options(dryRun: dryRun), progress: renderer)
            let report = try await retry.retrying(renderer: renderer, logger: logger) {
                try await job.run(logger: logger)
            }
            renderer.finish(report)
            if report.outcome != .success { throw ExitCode(ExitStatus.partialFailure.rawValue) }
        } catch let interrupted as ReplayInterrupted {
            renderer.finish(interrupted.report)
            throw output.fail(interrupted.underlying)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            renderer.clearLine()
            throw output.fail(error)
        }
    }
}
