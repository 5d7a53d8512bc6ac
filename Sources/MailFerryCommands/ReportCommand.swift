import ArgumentParser
import Engine
import Foundation

/// `mailferry report DIR [--run ID]`: the JSON report a backup or restore run left, as a table.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Show the report of the latest backup or restore run in a backup directory (or of run --run ID).")

    @Argument(help: "The backup directory.") var directory: String
    @Option(name: .long, help: "The run number (the name of its file in DIR/reports).") var run: Int64?
    @OptionGroup var output: OutputOptions

    func run() async throws {
        do {
            switch try RunReportFiles.load(directory: directory, run: run) {
            case .backup(let report):
                try show(report, run: report.run, startedAt: report.startedAt, error: report.error) {
                    var lines = ["of job \(report.job), account \(report.account)", ""]
                    lines.append(contentsOf: ProgressRenderer.summary(of: report))
                    for folder in report.folders {
                        for note in folder.failedMessages + folder.notes { lines.append("\(folder.name): \(note)") }
                    }
                    return lines
                }
            case .replay(let report):
                try show(report, run: report.run, startedAt: report.startedAt, error: report.error) {
                    var lines = ["restore of \(report.source) into \(report.destination)", ""]
                    lines.append(contentsOf: ProgressRenderer.render(report))
                    for folder in report.folders {
                        for note in folder.keywordsDropped + folder.tooBig + folder.failedMessages {
                            lines.append("\(folder.destination): \(note)")
                        }
                    }
                    return lines
                }
            }
        } catch {
            throw output.fail(error)
        }
    }

    /// The report as JSON, or as text: `run N <what>, started <time>`, then `body`'s lines after the first.
    func show(
        _ report: some Encodable, run: Int64?, startedAt: Int64, error: String?, body: () -> [String]
    ) throws {
        if output.json {
            try output.printJSON(report)
            return
        }
        let started = Date(timeIntervalSince1970: TimeInterval(startedAt))
        var lines = body()
        lines[0] = "run \(run.map(String.init) ?? "?") \(lines[0]), started \(started.ISO8601Format())"
        if let error { lines.append("error: \(error)") }
        print(lines.joined(separator: "\n"))
    }
}
