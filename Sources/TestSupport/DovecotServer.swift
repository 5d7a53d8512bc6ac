import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A private Dovecot (IMAP, IMAPS, POP3, POP3S) on loopback, in a temp directory, on free ports.
///
/// Started by tests and by `script/demo` / `script/bench` (through the `dovecot-fixture`
/// executable); stopped by `stop()`, by `deinit`, at process exit, or by a watchdog process when the
/// process that started it dies without cleaning up.
///
///     let server = try DovecotServer.start(.init(starttls: true, layout: .slash))
///     defer { server.stop() }
///     try server.deliver(user: "alice", folder: "Projects/2024", messages: Corpus.benchmark(count: 100))
///     try server.doveadm(["expunge", "-u", "alice", "mailbox", "Projects/2024", "uid", "3"])
///     // connect to server.host:server.imapsPort trusting server.caCertificatePath, as alice / alice-pass
///
/// Layout of `directory`: `dovecot.conf`, `users.passwd`, `tls/` (CA and server certificate), `run/`
/// (base_dir), `state/`, `log/dovecot.log` and `log/stderr.log`, `mail/<user>/` (Maildir, owned by the mail
/// uid). INTERNALDATEs are served in the zone of the test process (Dovecot inherits `TZ`).
public final class DovecotServer: @unchecked Sendable {
    public struct User: Sendable, Hashable {
        public var name: String
        public var password: String
        public init(_ name: String, _ password: String) {
            self.name = name
            self.password = password
        }
    }

    public enum Layout: Sendable {
        /// `/` as hierarchy delimiter, no namespace prefix (like Gmail, Fastmail, Microsoft 365).
        case slash
        /// `.` as hierarchy delimiter with an `INBOX.` personal namespace prefix (like Courier, Cyrus).
        case dotWithInboxPrefix
    }

    public struct Options: Sendable {
        /// Offer STARTTLS on the plain IMAP and POP3 ports; when false those ports have no TLS at all.
        public var starttls: Bool = true
        public var layout: Layout = .slash
        public var users: [User] = [User("alice", "alice-pass"), User("bob", "bob-pass")]
        /// When set, Dovecot also takes XOAUTH2 and OAUTHBEARER: its `oauth2` passdb validates JWTs
        /// signed with HS256 and this key locally, and takes the user from the `email` claim.
        public var oauth2Key: String?
        /// Lines added to `dovecot.conf` as they are, for limits a test needs (`imap_capability = ...`,
        /// `mail_max_keyword_length = 10`, a `plugin { ... }` block).
        public var settings: [String] = []
        public init() {}
        public init(starttls: Bool = true, layout: Layout = .slash, users: [User]? = nil) {
            self.starttls = starttls
            self.layout = layout
            if let users { self.users = users }
        }
    }

    public let host = "127.0.0.1"
    public let imapPort: Int
    public let imapsPort: Int
    public let pop3Port: Int
    public let pop3sPort: Int
    /// PEM certificate of the per-run self-signed CA that signed the server certificate (for
    /// `ca_file`). The server certificate names `localhost` and `127.0.0.1`.
    public let caCertificatePath: String
    public let options: Options
    /// The temp directory holding configuration, mail and logs.
    public let directory: URL
    /// Path of the generated `dovecot.conf` (for `doveadm -c`).
    public let configurationPath: String
    /// Dovecot's log file (everything, including info lines).
    public let logPath: String
    /// Dovecot's `instance_name`; its processes are titled `<instanceName>/imap` and so on.
    public let instanceName: String

    let configuration: DovecotConfiguration
    let identity: DovecotIdentity
    let state: LockedBox<MutableState>

    struct MutableState {
        /// The running master and its watchdog (new ones after `restart()`).
        var master: Process
        var watchdog: Process?
        var stopped = false
        /// Orders Maildir file names so Dovecot assigns UIDs in delivery order.
        var deliverySequence: UInt64 = 0
        var deliveryEpoch = UInt64(Date().timeIntervalSince1970)
        var mailboxPaths: [String: String] = [:]
    }

    private init(configuration: DovecotConfiguration, master: Process, watchdog: Process?) {
        self.configuration = configuration
        self.identity = configuration.identity
        self.imapPort = configuration.ports.imap
        self.imapsPort = configuration.ports.imaps
        self.pop3Port = configuration.ports.pop3
        self.pop3sPort = configuration.ports.pop3s
        self.caCertificatePath = configuration.certificates.caCertificatePath
        self.options = configuration.options
        self.directory = configuration.directory
        self.configurationPath = configuration.path
        self.logPath = configuration.logPath
        self.instanceName = configuration.instanceName
        self.state = LockedBox(MutableState(master: master, watchdog: watchdog))
    }

    deinit {
        stop()
    }

    /// The pid of the Dovecot master process.
    public var pid: Int32 { state.withLock { $0.master.processIdentifier } }

    /// Starts a server and returns once all four ports accept connections.
    ///
    /// Throws `DovecotServerError.startFailed` with the tail of Dovecot's log when it does not come up.
    public static func start(_ options: Options = Options()) throws -> DovecotServer {
        try start(options, pickPorts: { try LoopbackPorts.free(4) })
    }

    /// `start` with the choice of ports injectable, so tests can hand it a port that is already taken.
    static func start(_ options: Options, pickPorts: () throws -> [Int]) throws -> DovecotServer {
        ExitCleanup.install()
        guard let dovecot = Subprocess.locate("dovecot") else { throw DovecotServerError.missingProgram("dovecot") }
        let identity = try DovecotIdentity.current()
        let directory = try makePrivateDirectory()
        do {
            let certificates = try prepareDirectory(directory, options: options, identity: identity)
            let instanceName = "mf-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
            var lastFailure = ""
            // A free port can be taken by another process before Dovecot binds it: retry with new ports.
            for _ in 1...5 {
                let ports = try pickPorts()
                let configuration = DovecotConfiguration(
                    directory: directory, instanceName: instanceName,
                    ports: .init(imap: ports[0], imaps: ports[1], pop3: ports[2], pop3s: ports[3]),
                    options: options, identity: identity, certificates: certificates)
                try Data(configuration.text.utf8).write(to: URL(fileURLWithPath: configuration.path))
                if options.oauth2Key != nil {
                    try Data(configuration.oauth2Config.utf8).write(to: URL(fileURLWithPath: configuration.oauth2ConfigPath))
                }
                _ = FileManager.default.createFile(atPath: configuration.logPath, contents: nil)
                let master = try launch(dovecot, configuration)
                switch waitUntilListening(master, configuration) {
                case .ready:
                    let watchdog = watch(master, configuration)
                    return DovecotServer(configuration: configuration, master: master, watchdog: watchdog)
                case .portTaken(let reason):
                    lastFailure = reason
                    terminate(master, configuration)
                case .failed(let reason):
                    terminate(master, configuration)
                    throw DovecotServerError.startFailed(reason: reason, logTail: logTail(directory))
                }
            }
            throw DovecotServerError.startFailed(
                reason: "ports kept being taken by other processes: \(lastFailure)", logTail: logTail(directory))
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// Stops Dovecot (SIGTERM, then SIGKILL), makes sure none of its processes remain, and removes the
    /// temp directory. Safe to call more than once.
    public func stop() {
        let alreadyStopped = state.withLock { state -> Bool in
            defer { state.stopped = true }
            return state.stopped
        }
        guard !alreadyStopped else { return }
        bringDown()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Stops Dovecot and starts it again on the same ports with the same mail, as a server restart
    /// looks to clients: connections drop, and for `downSeconds` nothing answers.
    public func restart(downSeconds: Double = 0) throws {
        bringDown()
        if downSeconds > 0 { usleep(UInt32(downSeconds * 1_000_000)) }
        guard let dovecot = Subprocess.locate("dovecot") else { throw DovecotServerError.missingProgram("dovecot") }
        let master = try Self.launch(dovecot, configuration)
        guard case .ready = Self.waitUntilListening(master, configuration) else {
            Self.terminate(master, configuration)
            throw DovecotServerError.startFailed(reason: "no restart", logTail: logTail())
        }
        let watchdog = Self.watch(master, configuration)
        state.withLock {
            $0.master = master
            $0.watchdog = watchdog
        }
    }

    /// Kills the master, its children and the watchdog; the directory stays.
    private func bringDown() {
        ExitCleanup.unregister(instanceName)
        let (master, watchdog) = state.withLock { ($0.master, $0.watchdog) }
        if let watchdog, watchdog.isRunning {
            kill(watchdog.processIdentifier, SIGKILL)
        }
        Self.terminate(master, configuration)
    }

    /// A watchdog that stops `master` if this process dies, and the exit hook's record of it.
    private static func watch(_ master: Process, _ configuration: DovecotConfiguration) -> Process? {
        let watchdog = try? ExitCleanup.startWatchdog(
            masterPID: master.processIdentifier, directory: configuration.directory,
            instanceName: configuration.instanceName)
        ExitCleanup.register(
            .init(
                masterPID: master.processIdentifier, watchdogPID: watchdog?.processIdentifier,
                directory: configuration.directory, instanceName: configuration.instanceName,
                configurationPath: configuration.path))
        return watchdog
    }

    /// Whether `stop()` has run.
    public var isStopped: Bool { state.withLock { $0.stopped } }

    /// Pids of this instance's processes (master and children), found by their titles and command lines.
    public func processIDs() -> [Int32] {
        Self.processIDs(instanceName: instanceName, configurationPath: configurationPath)
    }

    /// The last `lines` lines of Dovecot's log and stderr, for failure messages.
    public func logTail(lines: Int = 40) -> String {
        Self.logTail(directory, lines: lines)
    }
}

extension DovecotServer {
    private enum Readiness {
        case ready
        case portTaken(String)
        case failed(String)
    }

    private static func makePrivateDirectory() throws -> URL {
        // Unix socket paths are limited to 108 bytes, so keep base_dir short whatever TMPDIR says.
        let environmentTemp = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        let parent = environmentTemp.utf8.count <= 40 ? environmentTemp : "/tmp"
        var template = Array((parent + "/mailferry-dovecot-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else {
            throw DovecotServerError.startFailed(reason: "mkdtemp failed: errno \(errno)", logTail: "")
        }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        // Dovecot's unprivileged users must be able to traverse it.
        chmod(path, 0o755)
        return URL(fileURLWithPath: path, isDirectory: true)
    }

    private static func prepareDirectory(
        _ directory: URL, options: Options, identity: DovecotIdentity
    ) throws -> TLSCertificates {
        let fileManager = FileManager.default
        for name in ["run", "state", "log", "mail", "tls"] {
            try fileManager.createDirectory(
                at: directory.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        let tls = directory.appendingPathComponent("tls")
        chmod(tls.path, 0o700)
        let certificates = try TLSCertificates.generate(in: tls)
        chmod(certificates.caCertificatePath, 0o644)
        let users = directory.appendingPathComponent("users.passwd")
        try Data(try DovecotConfiguration.passwdFile(options.users).utf8).write(to: users)
        chmod(users.path, 0o644)
        if let key = options.oauth2Key {
            // The lookup key is <azp>/<alg>/<kid>, "default" for a token without azp and kid.
            let keys = directory.appendingPathComponent("oauth2-keys/default/HS256")
            try fileManager.createDirectory(at: keys, withIntermediateDirectories: true)
            let file = keys.appendingPathComponent("default")
            try Data(Data(key.utf8).base64EncodedString().utf8).write(to: file)
            chmod(file.path, 0o644)
        }
        let mail = directory.appendingPathComponent("mail").path
        chmod(mail, 0o700)
        if identity.isRoot {
            chown(mail, identity.mailUID, identity.mailGID)
        }
        return certificates
    }

    private static func launch(_ dovecot: String, _ configuration: DovecotConfiguration) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: dovecot)
        process.arguments = ["-F", "-c", configuration.path]
        process.currentDirectoryURL = configuration.directory
        let stderrPath = configuration.directory.appendingPathComponent("log/stderr.log").path
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        let output = FileHandle(forWritingAtPath: stderrPath)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try Subprocess.withDefaultSignalMask { try process.run() }
        try? output?.close()
        return process
    }

    private static func waitUntilListening(_ master: Process, _ configuration: DovecotConfiguration) -> Readiness {
        let ports = [
            configuration.ports.imap, configuration.ports.imaps, configuration.ports.pop3, configuration.ports.pop3s,
        ]
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let log = logTail(configuration.directory, lines: 200)
            if log.contains("Address already in use") {
                return .portTaken(
                    log.split(separator: "\n").last(where: { $0.contains("in use") }).map(String.init) ?? "")
            }
            if !master.isRunning {
                return .failed("dovecot exited with status \(master.terminationStatus)")
            }
            if ports.allSatisfy(LoopbackPorts.accepts) {
                // A foreign listener could answer on a port Dovecot failed to bind; give the master a moment to
                // report that before trusting the ports.
                usleep(50_000)
                if logTail(configuration.directory, lines: 200).contains("Address already in use") { continue }
                if master.isRunning { return .ready }
                continue
            }
            usleep(20_000)
        }
        return .failed("ports did not accept connections within 30 s")
    }

    static func terminate(_ master: Process, _ configuration: DovecotConfiguration) {
        if master.isRunning {
            kill(master.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(5)
            while master.isRunning && Date() < deadline { usleep(10_000) }
            if master.isRunning { kill(master.processIdentifier, SIGKILL) }
        }
        reapStragglers(instanceName: configuration.instanceName, configurationPath: configuration.path)
    }

    /// Children notice the master's death on their own, but a test that checks right after `stop()` must not
    /// find any: kill what is left and wait for it to go.
    static func reapStragglers(instanceName: String, configurationPath: String) {
        let deadline = Date().addingTimeInterval(5)
        var signal = SIGTERM
        while Date() < deadline {
            let pids = processIDs(instanceName: instanceName, configurationPath: configurationPath)
            if pids.isEmpty { return }
            for pid in pids { kill(pid, signal) }
            usleep(50_000)
            if Date().addingTimeInterval(3) > deadline { signal = SIGKILL }
        }
    }

    /// Children are titled `dovecot-<instance_name>/<service>`; the master keeps its command line, which names
    /// the configuration file.
    static func processIDs(instanceName: String, configurationPath: String) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var result: [Int32] = []
        for entry in entries {
            guard let pid = Int32(entry), pid != getpid() else { continue }
            // Zombies have an empty command line and are gone once reaped.
            guard let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"), !data.isEmpty else {
                continue
            }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            let isChild = arguments.first?.hasPrefix("dovecot-\(instanceName)/") ?? false
            let isMaster = (arguments.first?.hasSuffix("dovecot") ?? false) && arguments.contains(configurationPath)
            if isChild || isMaster {
                result.append(pid)
            }
        }
        return result.sorted()
    }

    static func logTail(_ directory: URL, lines: Int = 40) -> String {
        let files = ["log/dovecot.log", "log/stderr.log"]
        return files.compactMap { name -> String? in
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path),
                !data.isEmpty
            else { return nil }
            let text = String(decoding: data, as: UTF8.self)
            return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
        }.joined(separator: "\n")
    }
}
