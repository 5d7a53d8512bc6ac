import Foundation

/// Runs the built `mailferry` binary the way a user does.
public enum MailFerryCLI {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// Standard output as bytes (`stdout` replaces what is not UTF-8).
        public var stdoutBytes: [UInt8]
    }

    /// `.build/<config>/mailferry`, found beside the test bundle.
    public static var binary: URL {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [here, here.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("mailferry")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/mailferry")
    }

    /// Starts mailferry without waiting (for tests that kill it mid-run).
    public static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try Subprocess.withDefaultSignalMask { try process.run() }
        return process
    }

    /// Runs mailferry to the end and returns its exit status and output.
    public static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        try run(binary, arguments, environment: environment)
    }

    /// Runs mailferry under `/usr/bin/time` (GNU time), as a user measuring it would: its result and
    /// its peak resident memory in bytes.
    public static func runMeasuringMemory(_ arguments: [String], environment: [String: String] = [:]) throws
        -> (result: Result, peakBytes: Int)
    {
        let report = FileManager.default.temporaryDirectory
            .appendingPathComponent("mailferry-time-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: report) }
        let result = try run(
            URL(fileURLWithPath: "/usr/bin/time"), ["-f", "%M", "-o", report.path, binary.path] + arguments,
            environment: environment)
        // A failed command adds a line before the figure.
        let text = (try? String(contentsOf: report, encoding: .utf8)) ?? ""
        guard let kilobytes = text.split(separator: "\n").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) })
        else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: report.path])
        }
        return (result, kilobytes * 1024)
    }

    static func run(_ executable: URL, _ arguments: [String], environment: [String: String]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try Subprocess.withDefaultSignalMask { try process.run() }
        // Read both pipes at once so a full pipe never blocks the child.
        let errors = LockedBox(Data())
        let reader = Thread { errors.withLock { $0 = err.fileHandleForReading.readDataToEndOfFile() } }
        reader.start()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { usleep(1000) }
        return Result(
            status: process.terminationStatus, stdout: String(decoding: output, as: UTF8.self),
            stderr: String(decoding: errors.withLock { $0 }, as: UTF8.self), stdoutBytes: Array(output))
    }
}
