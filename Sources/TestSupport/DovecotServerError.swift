#if canImport(Glibc)
    import Glibc
#endif

/// Why the test Dovecot could not be started or driven.
public enum DovecotServerError: Error, CustomStringConvertible, Sendable {
    /// A program the harness needs is not installed (run `script/bootstrap`).
    case missingProgram(String)
    /// A helper command exited non-zero.
    case commandFailed(command: String, status: Int32, output: String)
    /// Dovecot exited or never listened; `logTail` holds the end of its log and stderr.
    case startFailed(reason: String, logTail: String)
    /// A user name or password that a passwd-file cannot hold (`:` or a line break).
    case invalidUser(String)
    /// A flag the Maildir delivery path cannot store (for example `\Recent`, or a 27th keyword).
    case unsupportedFlag(String)
    /// Writing a message file into the Maildir failed.
    case deliveryFailed(path: String, errno: Int32)
    /// A line of a samples `flags.txt` is not `path | ISO 8601 date | flags`.
    case invalidSample(file: String, line: Int)
    /// The server has been stopped.
    case stopped

    public var description: String {
        switch self {
        case .missingProgram(let name):
            return "\(name) is not installed; run script/bootstrap"
        case .commandFailed(let command, let status, let output):
            return "\(command) exited with status \(status): \(output)"
        case .startFailed(let reason, let logTail):
            return "Dovecot did not start: \(reason)\n--- dovecot log tail ---\n\(logTail)"
        case .invalidUser(let name):
            return "user or password cannot be written to a passwd-file: \(name)"
        case .unsupportedFlag(let flag):
            return "flag cannot be delivered through the Maildir: \(flag)"
        case .deliveryFailed(let path, let code):
            return "cannot write \(path): \(String(cString: strerror(code)))"
        case .invalidSample(let file, let line):
            return "\(file):\(line): expected 'path | 2024-03-04T09:15:00Z | flags'"
        case .stopped:
            return "the Dovecot server has been stopped"
        }
    }
}
