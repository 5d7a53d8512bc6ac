import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Stops servers a test forgot, when the process exits normally (`atexit`), and starts the per-server watchdog
/// that does the same when the process dies abruptly.
enum ExitCleanup {
    struct Instance: Sendable {
        var masterPID: Int32
        var watchdogPID: Int32?
        var directory: URL
        var instanceName: String
        var configurationPath: String
    }

    private static let instances = LockedBox<[String: Instance]>([:])
    private static let installed = LockedBox(false)

    static func install() {
        let first = installed.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        if first {
            atexit { ExitCleanup.stopAll() }
        }
    }

    static func register(_ instance: Instance) {
        instances.withLock { $0[instance.instanceName] = instance }
    }

    static func unregister(_ instanceName: String) {
        _ = instances.withLock { $0.removeValue(forKey: instanceName) }
    }

    private static func stopAll() {
        let all = instances.withLock { all -> [Instance] in
            defer { all = [:] }
            return Array(all.values)
        }
        for instance in all {
            if let watchdog = instance.watchdogPID { kill(watchdog, SIGKILL) }
            kill(instance.masterPID, SIGTERM)
            let deadline = Date().addingTimeInterval(3)
            while isAlive(instance.masterPID) && Date() < deadline { usleep(10_000) }
            if isAlive(instance.masterPID) { kill(instance.masterPID, SIGKILL) }
            DovecotServer.reapStragglers(
                instanceName: instance.instanceName, configurationPath: instance.configurationPath)
            try? FileManager.default.removeItem(at: instance.directory)
        }
    }

    /// Alive and not a zombie (a dead child nobody has reaped yet still answers `kill(pid, 0)`).
    static func isAlive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return false }
        let text = String(decoding: stat, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return true }
        let state = text[text.index(after: close)...].drop(while: { $0 == " " }).first
        return state != "Z"
    }

    /// Watches the test process; when it is gone, stops Dovecot and removes the directory. Ignores the
    /// signals a terminal or `timeout` send to the whole process group, so it outlives the test process
    /// long enough to clean up; `stop()` ends it with SIGKILL.
    private static let watchdogScript = """
        parent=$1; master=$2; dir=$3
        trap '' INT HUP TERM QUIT
        alive() {
          s=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
          [ -n "$s" ] && [ "$s" != Z ]
        }
        while alive "$parent"; do
          alive "$master" || exit 0
          sleep 1
        done
        kill -TERM "$master" 2>/dev/null
        n=0
        while alive "$master" && [ "$n" -lt 50 ]; do sleep 0.1; n=$((n+1)); done
        kill -KILL "$master" 2>/dev/null
        sleep 0.5
        rm -rf "$dir"
        """

    static func startWatchdog(masterPID: Int32, directory: URL, instanceName: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c", watchdogScript, "\(instanceName)-watchdog", String(getpid()), String(masterPID), directory.path,
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try Subprocess.withDefaultSignalMask { try process.run() }
        return process
    }
}
