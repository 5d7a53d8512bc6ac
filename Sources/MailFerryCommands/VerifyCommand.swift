import ArgumentParser
import Engine
import Foundation

/// `mailferry verify DIR --config JOBFILE --to ACCOUNT`: compares a backup with an account by hash.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Compare a backup with an account, by hash: what a restore puts there against what is there.",
        discussion: """
            Takes the same mapping and filter options as restore and changes nothing. Per destination folder: \
            messages expected, present (by SHA-256 of what the server serves), missing, extra (not from the \
            backup), held twice, and flag or INTERNALDATE differences. Exits 1 when a message is missing or \
            held twice, or a folder cannot be read.

            \(ExitStatus.documentation)
            """
    )

    @OptionGroup var replay: ReplayArguments
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let logger = output.makeLogger()
        let report: VerifyReport
        do {
            let job = VerifyJob(
                directory: replay.directory, destination: try replay.destination(),
                options: replay.options(dryRun: true))
            report = try await job.run(logger: logger)
        } catch {
            throw output.fail(error)
        }
        if output.json {
            try output.printJSON(report)
        } else if !output.quiet || !report.isComplete {
            print(VerifyRenderer.render(report).joined(separator: "\n"))
        }
        if !report.isComplete { throw ExitCode(ExitStatus.partialFailure.rawValue) }
    }
}

enum VerifyRenderer {
    /// Messages listed per folder at most; the rest are counted.
    static let listed = 20

    static func render(_ report: VerifyReport) -> [String] {
        let rows = report.folders.map { folder -> [String] in
            [
                folder.destination + (folder.folderMissing ? " (no such folder)" : ""), String(folder.expected),
                String(folder.present), String(folder.missing.count), String(folder.extra), String(folder.duplicates),
                String(folder.flagDifferences.count), String(folder.dateDifferences.count),
                folder.error.map { "FAILED: \($0)" } ?? "",
            ]
        }
        var lines = TextTable.render(
            header: ["folder", "expected", "present", "missing", "extra", "twice", "flags differ", "dates differ", ""],
            rows: rows)
        for folder in report.folders {
            for (title, items) in [
                ("missing", folder.missing), ("flags differ", folder.flagDifferences),
                ("dates differ", folder.dateDifferences),
            ] where !items.isEmpty {
                lines.append("")
                lines.append("\(folder.destination): \(title):")
                lines += items.prefix(listed).map { "  \($0)" }
                if items.count > listed { lines.append("  … and \(items.count - listed) more") }
            }
        }
        lines.append("")
        lines.append(
            "\(report.source) → \(report.destination): \(report.isComplete ? "complete" : "INCOMPLETE"): "
                + "\(report.expected) expected, \(report.present) present, \(report.missing) missing, "
                + "\(report.duplicates) twice, \(report.extra) extra, \(report.flagDifferences) flag and "
                + "\(report.dateDifferences) date differences, " + String(format: "%.1f s", report.seconds))
        return lines
    }
}
