import Engine
import Foundation

/// Restore progress and its summary: the folder mapping, and per destination folder what was (or in a
/// dry run, would be) appended, found already there, filtered out or failed.
extension ProgressRenderer {
    func replayFolderFinished(_ folder: ReplayFolderReport) {
        clearLine()
        if let error = folder.error {
            emit(
                line: "\(job): \(folder.destination): FAILED: \(error)",
                json: ["event": "folder-failed", "folder": folder.destination, "error": error])
            return
        }
        guard
            folder.appended + folder.alreadyPresent + folder.failedMessages.count + folder.tooBig.count > 0
                || mode == .json
        else { return }
        var parts = ["\(folder.appended) appended (\(ByteCount.format(UInt64(folder.appendedBytes))))"]
        if folder.alreadyPresent > 0 { parts.append("\(folder.alreadyPresent) already there") }
        if !folder.keywordsDropped.isEmpty { parts.append("\(folder.keywordsDropped.count) without some keywords") }
        if !folder.tooBig.isEmpty { parts.append("\(folder.tooBig.count) too big") }
        if !folder.failedMessages.isEmpty { parts.append("\(folder.failedMessages.count) failed") }
        emit(
            line: "\(job): \(folder.destination): " + parts.joined(separator: ", "),
            json: [
                "event": "folder-done", "folder": folder.destination, "appended": folder.appended,
                "bytes": folder.appendedBytes, "alreadyPresent": folder.alreadyPresent,
                "failed": folder.failedMessages.count, "tooBig": folder.tooBig.count,
                "keywordsDropped": folder.keywordsDropped.count,
            ])
        for failure in folder.keywordsDropped + folder.tooBig + folder.failedMessages where mode != .json {
            emit(line: "\(job): \(folder.destination): \(failure)", json: [:])
        }
    }

    /// The summary at the end: in a dry run, the plan.
    func finish(_ report: ReplayReport) {
        clearLine()
        switch mode {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            if let data = try? encoder.encode(ReplayReportEnvelope(report: report)) {
                FileHandle.standardOutput.write(data + Data("\n".utf8))
            }
        case .quiet:
            return
        case .terminal, .lines:
            print(Self.render(report).joined(separator: "\n"))
        }
    }

    static func render(_ report: ReplayReport) -> [String] {
        var lines: [String] = []
        if report.dryRun {
            lines.append("dry run: nothing was changed on \(report.destination) or in the replay log")
            lines.append("")
            let mappings = report.mappings.map { mapping -> [String] in
                var note = mapping.destination == nil ? "excluded" : (mapping.exists ? "exists" : "create")
                if mapping.escaped { note += ", delimiter escaped" }
                return [mapping.source, mapping.destination ?? "-", mapping.reason.rawValue, note]
            }
            lines += TextTable.render(header: ["source", "destination", "by", "folder"], rows: mappings)
            lines.append("")
        }
        let rows = report.folders.map { folder -> [String] in
            let status: String
            if let error = folder.error {
                status = "FAILED: \(error)"
            } else if !folder.failedMessages.isEmpty || !folder.tooBig.isEmpty {
                status = [
                    folder.failedMessages.isEmpty ? nil : "\(folder.failedMessages.count) failed",
                    folder.tooBig.isEmpty ? nil : "\(folder.tooBig.count) too big",
                ].compactMap { $0 }.joined(separator: ", ")
            } else {
                status = folder.created ? (report.dryRun ? "to create" : "created") : "ok"
            }
            let count = report.dryRun ? folder.planned : folder.appended
            let bytes = report.dryRun ? folder.plannedBytes : folder.appendedBytes
            return [
                folder.destination, String(count), ByteCount.format(UInt64(bytes)),
                String(folder.alreadyPresent + folder.alreadyRestored), String(folder.filteredOut), status,
            ]
        }
        let verb = report.dryRun ? "to append" : "appended"
        lines += TextTable.render(
            header: ["folder", verb, "bytes", "already there", "filtered out", "status"], rows: rows)
        lines.append("")
        let count = report.dryRun ? report.planned : report.appended
        let bytes = report.dryRun ? report.plannedBytes : report.appendedBytes
        lines.append(
            "\(report.source) → \(report.destination): \(report.dryRun ? "plan" : report.outcome.rawValue): "
                + "\(count) messages \(verb) (\(ByteCount.format(UInt64(bytes)))), \(report.alreadyThere) already there, "
                + "\(report.filteredOut) filtered out, \(report.tooBig) too big, \(report.failedMessages) failed, "
                + "\(report.failedFolders) folders failed, " + String(format: "%.1f s", report.seconds))
        return lines
    }
}

struct ReplayReportEnvelope: Encodable {
    let event = "report"
    let report: ReplayReport
}
