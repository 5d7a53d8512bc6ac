import ArgumentParser
import Catalog
import Foundation

/// `mailferry runs DIR`: the history of backup and restore runs of a directory.
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List the backup and restore runs of a backup directory, newest first.")

    @Argument(help: "The backup directory.") var directory: String
    @Option(help: "At most this many runs.") var limit: Int?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        do {
            let runs = try Catalog.existing(directory: directory).runs(limit: limit)
            if output.json {
                try output.printJSON(runs)
                return
            }
            let rows = runs.map { run -> [String] in
                [
                    String(run.id), run.job, run.account ?? "", DateText.utc(run.startedAt, seconds: true),
                    run.finishedAt.map { Self.duration($0 - run.startedAt) } ?? "-", run.outcome, String(run.messagesNew),
                    ByteCount.format(UInt64(run.bytesNew)), String(run.flagsChanged), String(run.messagesGone),
                    String(run.foldersFailed),
                ]
            }
            print(
                TextTable.render(
                    header: ["id", "job", "account", "started (UTC)", "took", "outcome", "new", "bytes", "flags", "gone", "failed folders"],
                    rows: rows
                ).joined(separator: "\n"))
        } catch {
            throw output.fail(error)
        }
    }

    static func duration(_ seconds: Int64) -> String {
        seconds < 60 ? "\(seconds) s" : seconds < 3600 ? "\(seconds / 60) min \(seconds % 60) s" : "\(seconds / 3600) h \(seconds / 60 % 60) min"
    }
}
