import ArgumentParser
import Engine
import Foundation

/// `mailferry report DIR [--run ID]`: the JSON report a backup run left, as a table.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Show the report of the latest backup run in a backup directory (or of run --run ID).")

    @Argument(help: "The backup directory.") var directory: String
    @Option(name: .long, help: "The run number (the name of its file in DIR/reports).") var run: Int64?
    @OptionGroup var output: OutputOptions

    func run() async throws {
        do {
            let report = try RunReportFiles.load(directory: directory, run: run)
            if output.json {
                try output.printJSON(report)
                return
            }
            let started = Date(timeIntervalSince1970: TimeInterval(report.startedAt))
            var lines = [
                "run \(report.run.map(String.init) ?? "?") of job \(report.job), account \(report.account), "
                    + "started \(started.ISO8601Format())", "",
            ]
            lines.append(contentsOf: ProgressRenderer.summary(of: report))
            for folder in report.folders {
                for reason in folder.failedMessages { lines.append("\(folder.name): \(reason)") }
                for note in folder.notes { lines.append("\(folder.name): \(note)") }
            }
            if let error = report.error { lines.append("error: \(error)") }
            print(lines.joined(separator: "\n"))
        } catch {
            throw output.fail(error)
        }
    }
}
