import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What `mailferry batch` did with each row of its shard: written as JSON into the template's backup
/// directory (`batch-reports/`), one file per batch run and shard.
public struct BatchReport: Codable, Sendable {
    public struct Row: Codable, Sendable {
        public var sourceUser: String
        public var destinationUser: String?
        /// The row's backup directory.
        public var directory: String
        /// `success`, `partial`, `skipped` (done in an earlier run) or the kind of failure.
        public var outcome: String
        /// The exit status this row alone would have given.
        public var exit: Int32
        public var newMessages: Int
        public var appended: Int?
        public var error: String?

        public init(
            sourceUser: String, destinationUser: String?, directory: String, outcome: String, exit: Int32,
            newMessages: Int, appended: Int?, error: String?
        ) {
            self.sourceUser = sourceUser
            self.destinationUser = destinationUser
            self.directory = directory
            self.outcome = outcome
            self.exit = exit
            self.newMessages = newMessages
            self.appended = appended
            self.error = error
        }
    }

    public var csv: String
    public var template: String
    /// `I/N`, or nil for all rows.
    public var shard: String?
    public var startedAt: Int64
    public var seconds: Double
    public var exit: Int32
    public var rows: [Row]

    public init(
        csv: String, template: String, shard: String?, startedAt: Int64, seconds: Double, exit: Int32, rows: [Row]
    ) {
        self.csv = csv
        self.template = template
        self.shard = shard
        self.startedAt = startedAt
        self.seconds = seconds
        self.exit = exit
        self.rows = rows
    }

    /// Writes the report into `directory/batch-reports/` (owner-only) through a rename; its path.
    public func write(into directory: String) throws -> String {
        let folder = (directory as NSString).appendingPathComponent("batch-reports")
        try FileManager.default.createDirectory(
            atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let stamp = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(startedAt)))
        let shardPart = shard.map { "-shard-" + $0.replacingOccurrences(of: "/", with: "-of-") } ?? ""
        let name = "\(stamp)-\((csv as NSString).lastPathComponent)\(shardPart)"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Two batch runs within one second (a quick re-run that skips everything) keep both reports.
        var path = (folder as NSString).appendingPathComponent(name + ".json")
        var suffix = 2
        while FileManager.default.fileExists(atPath: path) {
            path = (folder as NSString).appendingPathComponent("\(name)~\(suffix).json")
            suffix += 1
        }
        try OwnerOnlyFile.write(try encoder.encode(self), to: path)
        return path
    }
}

/// The mark a finished row leaves in its backup directory, so a re-run of the batch (the same shard,
/// or the pod that replaces a failed one) skips it.
public enum BatchProgress {
    public static let fileName = "batch-done.json"

    struct Mark: Codable {
        var sourceUser: String
        var template: String
        var finishedAt: Int64
    }

    /// Whether the row whose backup directory this is finished in an earlier run of `template`.
    public static func isDone(directory: String, sourceUser: String, template: String) -> Bool {
        let path = (directory as NSString).appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: path),
            let mark = try? JSONDecoder().decode(Mark.self, from: data)
        else { return false }
        return mark.sourceUser == sourceUser && mark.template == template
    }

    public static func markDone(directory: String, sourceUser: String, template: String) throws {
        let mark = Mark(sourceUser: sourceUser, template: template, finishedAt: Int64(Date().timeIntervalSince1970))
        let path = (directory as NSString).appendingPathComponent(fileName)
        try OwnerOnlyFile.write(try JSONEncoder().encode(mark), to: path)
    }

    /// Forgets a row's mark (`--fresh`), so it runs again.
    public static func clear(directory: String) {
        unlink((directory as NSString).appendingPathComponent(fileName))
    }
}

/// Files only their owner may read, written whole or not at all: a temporary file, fsync, rename.
public enum OwnerOnlyFile {
    public static func write(_ data: Data, to path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure(temporary) }
        // A file left by an earlier umask or owner keeps its mode through O_CREAT: set it.
        fchmod(descriptor, 0o600)
        let written = data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let count = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { return false }
                offset += count
            }
            return true
        }
        guard written, fsync(descriptor) == 0 else {
            let error = failure(temporary)
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let error = failure(path)
            unlink(temporary)
            throw error
        }
    }

    static func failure(_ path: String) -> CocoaError {
        CocoaError(
            .fileWriteUnknown,
            userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: String(cString: strerror(errno))])
    }
}
