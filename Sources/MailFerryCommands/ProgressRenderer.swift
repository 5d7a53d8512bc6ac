import Engine
import Foundation
import Synchronization

/// Shows progress: a line rewritten in place on a terminal, plain log lines otherwise, JSON lines
/// with `--json`. Ends with a summary table (or a JSON report).
final class ProgressRenderer: ProgressSink {
    enum Mode: Sendable {
        case terminal
        case lines
        case json
        case quiet
    }

    struct State {
        var folder = ""
        var index = 0
        var count = 0
        var messages = 0
        var messagesDone = 0
        var bytes: Int64 = 0
        var bytesDone: Int64 = 0
        var folderStart = Date()
        var lastDraw = Date.distantPast
        var lineShown = false
    }

    let mode: Mode
    let job: String
    /// What a folder's start line says is about to happen: "fetching 12 new messages".
    let startVerb: String
    let state = Mutex(State())

    init(mode: Mode, job: String, startVerb: String = "fetching %ld new messages") {
        self.mode = mode
        self.job = job
        self.startVerb = startVerb
    }

    func report(_ event: ProgressEvent) {
        switch event {
        case .connected(let account, let folders):
            emit(line: "\(job): connected to \(account), \(folders) folders", json: ["event": "connected", "account": account, "folders": folders])
        case .folderStarted(let name, let index, let count, let messages, let bytes):
            state.withLock { s in
                s.folder = name
                if index > 0 {
                    s.index = index
                    s.count = count
                }
                s.messages = messages
                s.bytes = bytes
                s.messagesDone = 0
                s.bytesDone = 0
                s.folderStart = Date()
            }
            if messages > 0 {
                emit(
                    line: "\(job): \(name): \(String(format: startVerb, messages)) (\(ByteCount.format(UInt64(bytes))))",
                    json: ["event": "folder", "folder": name, "messages": messages, "bytes": bytes])
            }
        case .messageSaved(let bytes):
            let line: String? = state.withLock { s in
                s.messagesDone += 1
                s.bytesDone += Int64(bytes)
                guard mode == .terminal, Date().timeIntervalSince(s.lastDraw) > 0.2 else { return nil }
                s.lastDraw = Date()
                s.lineShown = true
                return Self.progressLine(s)
            }
            if let line { FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8)) }
        case .folderFinished(let folder):
            clearLine()
            if let error = folder.error {
                emit(
                    line: "\(job): \(folder.name): FAILED: \(error)",
                    json: ["event": "folder-failed", "folder": folder.name, "error": error])
            } else if !folder.unchanged,
                folder.newMessages + folder.flagsChanged + folder.gone + folder.deletedFromServer > 0 || mode == .json
            {
                var parts = ["\(folder.newMessages) new (\(ByteCount.format(UInt64(folder.newBytes))))"]
                if folder.flagsChanged > 0 { parts.append("\(folder.flagsChanged) flag changes") }
                if folder.gone > 0 { parts.append("\(folder.gone) gone from server") }
                if folder.deletedFromServer > 0 { parts.append("\(folder.deletedFromServer) deleted from server") }
                if !folder.failedMessages.isEmpty { parts.append("\(folder.failedMessages.count) failed") }
                emit(
                    line: "\(job): \(folder.name): " + parts.joined(separator: ", "),
                    json: [
                        "event": "folder-done", "folder": folder.name, "new": folder.newMessages,
                        "bytes": folder.newBytes, "flagsChanged": folder.flagsChanged, "gone": folder.gone,
                        "deletedFromServer": folder.deletedFromServer,
                    ])
            }
            for note in folder.notes {
                emit(line: "\(job): \(folder.name): note: \(note)", json: ["event": "note", "folder": folder.name, "note": note])
            }
        case .replayFolderFinished(let folder):
            replayFolderFinished(folder)
        }
    }

    static func progressLine(_ s: State) -> String {
        let elapsed = max(0.001, Date().timeIntervalSince(s.folderStart))
        let rate = Double(s.bytesDone) / elapsed
        var line = "[\(s.index)/\(s.count)] \(s.folder)  \(s.messagesDone)/\(s.messages) msgs  "
        line += "\(ByteCount.format(UInt64(s.bytesDone)))/\(ByteCount.format(UInt64(s.bytes)))  "
        line += "\(ByteCount.format(UInt64(rate)))/s"
        if rate > 0, s.bytes > s.bytesDone {
            let eta = Int(Double(s.bytes - s.bytesDone) / rate)
            line += "  ETA \(eta / 60):\(String(format: "%02d", eta % 60))"
        }
        return line
    }

    func clearLine() {
        let shown = state.withLock { s in
            defer { s.lineShown = false }
            return s.lineShown
        }
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    func emit(line: String, json: [String: Any]) {
        switch mode {
        case .quiet: return
        case .json:
            var object = json
            object["job"] = job
            if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
                FileHandle.standardOutput.write(data + Data("\n".utf8))
            }
        case .terminal, .lines:
            clearLine()
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    /// The summary at the end.
    func finish(_ report: BackupReport) {
        clearLine()
        switch mode {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            if let data = try? encoder.encode(ReportEnvelope(report: report)) {
                FileHandle.standardOutput.write(data + Data("\n".utf8))
            }
        case .quiet:
            return
        case .terminal, .lines:
            print(Self.summary(of: report).joined(separator: "\n"))
        }
    }

    /// A table of the report's folders and a line of totals: after a run, and from `mailferry report`.
    static func summary(of report: BackupReport) -> [String] {
        let rows = report.folders.map { folder -> [String] in
            [
                folder.name, folder.unchanged ? "unchanged" : String(folder.newMessages),
                ByteCount.format(UInt64(folder.newBytes)), String(folder.flagsChanged), String(folder.gone),
                folder.error.map { "FAILED: \($0)" } ?? (folder.failedMessages.isEmpty ? "ok" : "\(folder.failedMessages.count) failed"),
            ]
        }
        var lines = TextTable.render(header: ["folder", "new", "bytes", "flags", "gone", "status"], rows: rows)
        lines.append("")
        lines.append(
            "\(report.job): \(report.outcome.rawValue): \(report.newMessages) new messages "
                + "(\(ByteCount.format(UInt64(report.newBytes)))), \(report.flagsChanged) flag changes, "
                + "\(report.gone) gone, "
                + (report.deletedFromServer > 0 ? "\(report.deletedFromServer) deleted from the server, " : "")
                + "\(report.failedFolders) folders failed, "
                + String(format: "%.1f s", report.seconds))
        return lines
    }
}

struct ReportEnvelope: Encodable {
    let event = "report"
    let report: BackupReport
}
