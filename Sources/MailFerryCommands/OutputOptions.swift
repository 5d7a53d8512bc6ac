import ArgumentParser
import Foundation
import Logging

/// Options every command shares: machine output and verbosity.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON instead of text.") var json = false
    @Flag(name: .shortAndLong, help: "Log protocol steps to standard error.") var verbose = false
    @Flag(name: .shortAndLong, help: "Print only errors.") var quiet = false

    var progressMode: ProgressRenderer.Mode {
        if json { return .json }
        if quiet { return .quiet }
        return isatty(STDERR_FILENO) == 1 ? .terminal : .lines
    }

    func makeLogger() -> Logger {
        var logger = Logger(label: "mailferry") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = verbose ? .debug : (quiet ? .error : .warning)
        return logger
    }

    func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    /// Prints the error as one line (or a JSON object) on standard error and returns the exit.
    func fail(_ error: any Error) -> ExitCode {
        let (message, status) = ErrorReport.describe(error)
        Self.printError(message, status: status, json: json)
        return ExitCode(status.rawValue)
    }

    /// One error line (or JSON object) on standard error.
    static func printError(_ message: String, status: ExitStatus, json: Bool) {
        if json {
            let object = ["error": message, "exit": String(status.rawValue)]
            if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
                FileHandle.standardError.write(data + Data("\n".utf8))
            }
        } else {
            FileHandle.standardError.write(Data("mailferry: error: \(message)\n".utf8))
        }
    }
}

enum ByteCount {
    static func format(_ bytes: UInt64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}

enum DateText {
    /// `2024-01-02 15:04` (with seconds when asked), UTC.
    static func utc(_ seconds: Int64, seconds withSeconds: Bool = false) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = withSeconds ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// Midnight UTC of a `YYYY-MM-DD` day, in seconds since 1970.
    static func day(_ text: String) -> Int64? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year, month: month, day: day)
        guard let date = calendar.date(from: components), calendar.component(.day, from: date) == day else { return nil }
        return Int64(date.timeIntervalSince1970)
    }
}

enum TextTable {
    /// Left-aligned columns, numbers right-aligned, two spaces between.
    static func render(header: [String], rows: [[String]]) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.indices.map { column in
                let cell = row[column]
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                let numeric = !cell.isEmpty && cell.allSatisfy { $0.isNumber || $0 == "." || $0 == " " }
                return numeric && column > 0 ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
    }
}
