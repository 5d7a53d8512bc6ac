import ArgumentParser
import Engine
import Foundation

/// `mailferry batch FILE.csv --config JOBFILE [--shard I/N]`: the `[batch]` template job for every
/// mailbox of a CSV file.
struct BatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Back up or migrate many mailboxes, one per CSV row, with the job file's [batch] template job.",
        discussion: """
            The CSV's header names its columns: source_user (required), dest_user, source_secret, \
            dest_secret. Secrets are references (env:VAR, file:/path, cmd:COMMAND), never passwords; an \
            empty one uses the template account's own. Each row backs up into a folder named after its \
            source user inside the template's backup directory. A finished row is skipped when the batch \
            runs again (--fresh runs every row). --shard I/N takes the rows whose key hashes to I (0 to \
            N-1): one shard per machine or pod covers every row exactly once, and adding rows moves no \
            other row. \(ExitStatus.documentation)
            """
    )

    @Argument(help: "The CSV file, one mailbox per row.") var csv: String
    @Option(name: .long, help: "The job file (TOML) with a [batch] table naming the template job.")
    var config: String
    @Option(name: .long, help: "Run only shard I of N (I from 0), e.g. 0/4.") var shard: String?
    @Option(name: .long, help: "Mailboxes to run at once (overrides the job file's).") var parallel: Int?
    @Flag(name: .long, help: "Run every row, also those finished in an earlier run.") var fresh = false
    @OptionGroup var retry: RetryOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let parallel, parallel < 1 { throw ValidationError("--parallel must be at least 1") }
        if let shard, Self.shard(shard) == nil {
            throw ValidationError("--shard must be I/N with 0 <= I < N, e.g. 0/4 (got \(shard))")
        }
    }

    static func shard(_ text: String) -> (index: Int, count: Int)? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1,
            (0..<count).contains(index)
        else { return nil }
        return (index, count)
    }

    func run() async throws {
        let started = Date()
        let jobs: JobFile
        let batch: MailboxBatch
        let template: JobConfig
        var planned: [(row: MailboxRow, job: PlannedJob)] = []
        do {
            jobs = try JobFile.load(path: config)
            guard let table = jobs.batch else {
                throw ConfigError(file: config, line: nil, message: "has no [batch] table naming the template job")
            }
            template = jobs.jobs.first { $0.name == table.template }!
            batch = try MailboxBatch.load(path: csv)
            let rows = shard.flatMap(Self.shard).map { batch.rows(shard: $0.index, of: $0.count) } ?? batch.rows
            for row in rows {
                let (job, source, destination) = try MailboxBatch.job(for: row, template: template, in: jobs)
                planned.append((row, PlannedJob(config: job, source: source, destination: destination)))
            }
        } catch {
            throw output.fail(error)
        }
        var skipped: [BatchReport.Row] = []
        var pending: [(row: MailboxRow, job: PlannedJob)] = []
        for entry in planned {
            let directory = entry.job.config.into!
            if fresh { BatchProgress.clear(directory: directory) }
            if BatchProgress.isDone(directory: directory, sourceUser: entry.row.sourceUser, template: template.name) {
                skipped.append(
                    BatchReport.Row(
                        sourceUser: entry.row.sourceUser, destinationUser: entry.job.destination?.user,
                        directory: directory, outcome: "skipped", exit: 0, newMessages: 0, appended: nil, error: nil))
            } else {
                pending.append(entry)
            }
        }
        if !skipped.isEmpty, !output.quiet, !output.json {
            print(
                "\(skipped.count) of \(planned.count) mailboxes finished in an earlier run: skipped (--fresh runs them)"
            )
        }
        let lanes = parallel ?? jobs.batch?.parallel ?? jobs.parallel
        let outcomes = await retry.runner(output: output, parallel: lanes).runAll(pending.map(\.job), parallel: lanes)
        var rows = skipped
        for (entry, outcome) in zip(pending, outcomes) {
            let directory = entry.job.config.into!
            if outcome.status == .success {
                do {
                    try BatchProgress.markDone(
                        directory: directory, sourceUser: entry.row.sourceUser, template: template.name)
                } catch {
                    OutputOptions.printError(
                        "\(entry.row.sourceUser): cannot record that it finished: \(error)", status: .partialFailure,
                        json: output.json)
                }
            }
            rows.append(
                BatchReport.Row(
                    sourceUser: entry.row.sourceUser, destinationUser: entry.job.destination?.user,
                    directory: directory, outcome: outcome.status.word, exit: outcome.status.rawValue,
                    newMessages: outcome.newMessages, appended: outcome.replay.map(\.appended), error: outcome.error))
        }
        let worst = JobRunner.worst(outcomes)
        let report = BatchReport(
            csv: batch.path, template: template.name, shard: shard, startedAt: Int64(started.timeIntervalSince1970),
            seconds: Date().timeIntervalSince(started), exit: worst.rawValue,
            rows: rows.sorted { $0.sourceUser < $1.sourceUser })
        do {
            let path = try report.write(into: template.into!)
            if !output.quiet, !output.json { print("batch report: \(path)") }
        } catch {
            OutputOptions.printError(
                "cannot write the batch report: \(error)", status: .partialFailure, json: output.json)
        }
        if output.json {
            struct Envelope: Encodable {
                let event = "batch"
                let report: BatchReport
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            if let data = try? encoder.encode(Envelope(report: report)) {
                FileHandle.standardOutput.write(data + Data("\n".utf8))
            }
        }
        if worst != .success { throw ExitCode(worst.rawValue) }
    }
}
