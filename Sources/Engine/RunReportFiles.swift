import Foundation

/// A run's report as read back: a backup's, or a restore's (or a migrate job's replay).
public enum RunReport: Sendable {
    case backup(BackupReport)
    case replay(ReplayReport)
}

/// The JSON report every backup and restore run leaves in `DIR/reports/<run>.json`, owner-only, for
/// whoever reads the night's outcome in the morning (or a monitoring script).
public enum RunReportFiles {
    /// Why a report cannot be shown.
    public struct Missing: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public static func folder(_ directory: String) -> String {
        (directory as NSString).appendingPathComponent("reports")
    }

    /// The file name of run `id`: the catalog's run number, zero-padded so names sort by run.
    public static func fileName(run id: Int64) -> String {
        String(format: "%08lld.json", id)
    }

    /// Writes the report through a temporary file and a rename, so a reader never sees half of one.
    @discardableResult
    public static func write(_ report: BackupReport, directory: String) throws -> String {
        try write(report, run: report.run, startedAt: report.startedAt, directory: directory)
    }

    @discardableResult
    public static func write(_ report: ReplayReport, directory: String) throws -> String {
        try write(report, run: report.run, startedAt: report.startedAt, directory: directory)
    }

    static func write(_ report: some Encodable, run: Int64?, startedAt: Int64, directory: String) throws -> String {
        let folder = folder(directory)
        try FileManager.default.createDirectory(
            atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let name = run.map(fileName) ?? "\(startedAt).json"
        let path = (folder as NSString).appendingPathComponent(name)
        let temporary = path + ".tmp"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(report)
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600])
        else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary])
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw CocoaError(
                .fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: reason])
        }
        return path
    }

    /// The report of run `id`, or of the latest run when `id` is nil.
    public static func load(directory: String, run id: Int64? = nil) throws(Missing) -> RunReport {
        let folder = folder(directory)
        let name: String
        if let id {
            name = fileName(run: id)
        } else {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            guard let latest = names.filter({ $0.hasSuffix(".json") }).max() else {
                throw Missing(description: "no run reports in \(folder) (a run of a backup job writes one)")
            }
            name = latest
        }
        let path = (folder as NSString).appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Missing(description: "no report for run \(id.map(String.init) ?? name) in \(folder)")
        }
        do {
            return .backup(try JSONDecoder().decode(BackupReport.self, from: data))
        } catch {
            guard let replay = try? JSONDecoder().decode(ReplayReport.self, from: data) else {
                throw Missing(description: "\(path) is not a run report: \(error)")
            }
            return .replay(replay)
        }
    }
}
