import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a helper program (`openssl`, `doveadm`, `dovecot`) and collects its output.
enum Subprocess {
    struct Output: Sendable {
        var status: Int32
        var stdout: Data
        var stderr: Data

        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// Directories searched after `PATH`: Debian puts `dovecot` in `/usr/sbin`, which a non-root `PATH` may lack.
    private static let extraDirectories = ["/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin", "/bin"]

    /// The absolute path of `name`, searched in `PATH` and the sbin directories.
    static func locate(_ name: String) -> String? {
        if name.hasPrefix("/") {
            return FileManager.default.isExecutableFile(atPath: name) ? name : nil
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + extraDirectories
        for directory in directories where !directory.isEmpty {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
    }

    static func run(_ executable: String, _ arguments: [String], input: Data? = nil) throws -> Output {
        guard let path = locate(executable) else {
            throw DovecotServerError.missingProgram(executable)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let stdout = Pipe()
        let stderr = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try withDefaultSignalMask { try process.run() }
        if let input {
            stdin.fileHandleForWriting.write(input)
            try? stdin.fileHandleForWriting.close()
        }
        // Drain stderr on another thread so a chatty program cannot block on a full pipe.
        let errorBox = LockedBox(Data())
        let errorDone = DispatchSemaphore(value: 0)
        let errorHandle = stderr.fileHandleForReading
        DispatchQueue.global().async {
            let data = errorHandle.readDataToEndOfFile()
            errorBox.withLock { $0 = data }
            errorDone.signal()
        }
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        errorDone.wait()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: out, stderr: errorBox.withLock { $0 })
    }

    /// Runs `body` (which spawns a process) with no signals blocked on this thread.
    ///
    /// A child inherits the spawning thread's signal mask, and Dispatch worker threads (where tests run) block
    /// nearly every signal: a Dovecot spawned from one never sees SIGTERM and cannot be stopped cleanly.
    static func withDefaultSignalMask<Result>(_ body: () throws -> Result) rethrows -> Result {
        var empty = sigset_t()
        var previous = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return try body()
    }

    /// Runs and throws `commandFailed` unless the program exits 0.
    @discardableResult
    static func check(_ executable: String, _ arguments: [String], input: Data? = nil) throws -> Output {
        let output = try run(executable, arguments, input: input)
        guard output.status == 0 else {
            throw DovecotServerError.commandFailed(
                command: ([executable] + arguments).joined(separator: " "),
                status: output.status,
                output: output.stderrText + output.stdoutText
            )
        }
        return output
    }
}
