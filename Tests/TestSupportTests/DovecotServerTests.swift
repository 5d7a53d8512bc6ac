import Foundation
import Testing

@testable import TestSupport

@Suite("DovecotServer start and stop")
struct DovecotServerTests {
    private static let connectScript = """
        r = {}
        c = imaplib.IMAP4('127.0.0.1', a['imap'], timeout=20)
        r['imapCapabilities'] = list(c.capabilities)
        c.login(a['user'], a['password'])
        typ, caps = c.capability()
        r['imapCapabilitiesAfterLogin'] = caps[0].decode().split()
        c.logout()
        if 'STARTTLS' in r['imapCapabilities']:
            c = imaplib.IMAP4('localhost', a['imap'], timeout=20)
            c.starttls(ssl_context=tls())
            c.login(a['user'], a['password'])
            r['starttlsLogin'] = True
            c.logout()
        c = imaplib.IMAP4_SSL('localhost', a['imaps'], ssl_context=tls(), timeout=20)
        r['imapsPeer'] = c.sock.getpeercert()['subject'][-1][0][1]
        c.login(a['user'], a['password'])
        r['imapsLogin'] = True
        c.logout()
        p = poplib.POP3('127.0.0.1', a['pop3'], timeout=20)
        r['pop3Capabilities'] = sorted(p.capa().keys())
        p.user(a['user']); p.pass_(a['password'])
        r['pop3Stat'] = list(p.stat())
        p.quit()
        if 'STLS' in r['pop3Capabilities']:
            p = poplib.POP3('localhost', a['pop3'], timeout=20)
            p.stls(context=tls())
            p.user(a['user']); p.pass_(a['password'])
            r['stlsLogin'] = True
            p.quit()
        p = poplib.POP3_SSL('localhost', a['pop3s'], context=tls(), timeout=20)
        p.user(a['user']); p.pass_(a['password'])
        r['pop3sLogin'] = True
        p.quit()
        try:
            c = imaplib.IMAP4('127.0.0.1', a['imap'], timeout=20)
            c.login(a['user'], 'wrong')
            r['wrongPasswordAccepted'] = True
        except imaplib.IMAP4.error:
            r['wrongPasswordAccepted'] = False
        out(r)
        """

    @Test("STARTTLS offered: every listener logs in, TLS verifies against the per-run CA")
    func startTLSOffered() throws {
        let server = try DovecotServer.start()
        defer { server.stop() }
        let result = try PythonClient.run(Self.connectScript, PythonClient.arguments(server))
        let before = try #require(result["imapCapabilities"] as? [String])
        #expect(before.contains("STARTTLS"))
        #expect(before.contains("AUTH=PLAIN"))
        let after = try #require(result["imapCapabilitiesAfterLogin"] as? [String])
        for capability in ["CONDSTORE", "QRESYNC", "UIDPLUS", "SPECIAL-USE", "MOVE", "NAMESPACE"] {
            #expect(after.contains(capability), "missing \(capability) in \(after)")
        }
        #expect(result["starttlsLogin"] as? Bool == true)
        #expect(result["imapsPeer"] as? String == "localhost")
        #expect(result["imapsLogin"] as? Bool == true)
        #expect((result["pop3Capabilities"] as? [String])?.contains("STLS") == true)
        #expect(result["stlsLogin"] as? Bool == true)
        #expect(result["pop3sLogin"] as? Bool == true)
        #expect(result["wrongPasswordAccepted"] as? Bool == false)
    }

    @Test("STARTTLS off: plain ports have no TLS, implicit TLS ports still work")
    func startTLSDisabled() throws {
        let server = try DovecotServer.start(.init(starttls: false))
        defer { server.stop() }
        let result = try PythonClient.run(
            Self.connectScript, PythonClient.arguments(server, user: "bob", password: "bob-pass"))
        let before = try #require(result["imapCapabilities"] as? [String])
        #expect(!before.contains("STARTTLS"))
        #expect(before.contains("AUTH=PLAIN"))
        #expect(result["starttlsLogin"] == nil)
        #expect(result["imapsLogin"] as? Bool == true)
        #expect((result["pop3Capabilities"] as? [String])?.contains("STLS") == false)
        #expect(result["pop3sLogin"] as? Bool == true)
    }

    @Test("stop() ends every process of the instance and removes the directory")
    func stopCleansUp() throws {
        let server = try DovecotServer.start()
        _ = try PythonClient.run(Self.connectScript, PythonClient.arguments(server))
        let running = server.processIDs()
        #expect(running.contains(server.pid))
        #expect(running.count >= 3, "expected master, log, config, login processes: \(running)")
        server.stop()
        #expect(server.processIDs().isEmpty)
        for pid in running {
            #expect(!ExitCleanup.isAlive(pid), "pid \(pid) survived stop()")
        }
        #expect(!FileManager.default.fileExists(atPath: server.directory.path))
        #expect(!LoopbackPorts.accepts(server.imapPort))
        server.stop()
    }

    @Test("Several servers run at once on their own ports")
    func severalAtOnce() throws {
        let servers = try (0..<3).map { _ in try DovecotServer.start() }
        defer { servers.forEach { $0.stop() } }
        let ports = servers.flatMap { [$0.imapPort, $0.imapsPort, $0.pop3Port, $0.pop3sPort] }
        #expect(Set(ports).count == ports.count)
        for server in servers {
            let result = try PythonClient.run(Self.connectScript, PythonClient.arguments(server))
            #expect(result["imapsLogin"] as? Bool == true)
        }
        #expect(Set(servers.map(\.directory)).count == 3)
    }

    @Test("A user list with a colon is refused before Dovecot starts")
    func invalidUser() {
        #expect(throws: DovecotServerError.self) {
            _ = try DovecotServer.start(.init(users: [.init("a:b", "x")]))
        }
    }
}

@Suite("DovecotServer robustness")
struct DovecotServerRobustnessTests {
    @Test("A port taken between choosing and binding makes start retry with new ports")
    func portRace() throws {
        let squatter = try ScriptedIMAPServer(script: [.hang])
        defer { squatter.stop() }
        let attempts = LockedBox(0)
        let server = try DovecotServer.start(.init()) {
            let attempt = attempts.withLock { count -> Int in
                count += 1
                return count
            }
            let fresh = try LoopbackPorts.free(4)
            return attempt == 1 ? [fresh[0], fresh[1], squatter.port, fresh[3]] : fresh
        }
        defer { server.stop() }
        #expect(attempts.withLock { $0 } == 2)
        #expect(server.pop3Port != squatter.port)
        let result = try PythonClient.run(
            "c = imap_plain(); c.logout(); out({'ok': True})", PythonClient.arguments(server))
        #expect(result["ok"] as? Bool == true)
    }

    @Test("A server dropped without stop() is stopped by deinit")
    func deinitStops() throws {
        var directory = ""
        var pid: Int32 = 0
        do {
            let server = try DovecotServer.start()
            directory = server.directory.path
            pid = server.pid
        }
        #expect(!FileManager.default.fileExists(atPath: directory))
        #expect(!ExitCleanup.isAlive(pid))
    }

    static let fixture = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("dovecot-fixture")

    @Test(
        "When the process that started Dovecot is killed, the watchdog stops Dovecot and removes the directory",
        .enabled(if: FileManager.default.isExecutableFile(atPath: fixture.path)))
    func watchdogAfterSIGKILL() throws {
        let stateFile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "fixture-\(UUID().uuidString).json")
        let process = Process()
        process.executableURL = Self.fixture
        process.arguments = ["start", "--state", stateFile.path, "--layout", "dot", "--no-starttls"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { try? FileManager.default.removeItem(at: stateFile) }
        var state: [String: Any] = [:]
        for _ in 0..<300 where state.isEmpty {
            if let data = FileManager.default.contents(atPath: stateFile.path),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            {
                state = object
            } else {
                usleep(50_000)
            }
        }
        try #require(!state.isEmpty, "fixture wrote no state")
        for key in ["host", "imapPort", "imapsPort", "pop3Port", "pop3sPort", "caFile", "users", "directory", "pid"] {
            #expect(state[key] != nil, "state lacks \(key)")
        }
        #expect(state["pid"] as? Int == Int(process.processIdentifier))
        let directory = try #require(state["directory"] as? String)
        let dovecotPID = try #require(state["dovecotPid"] as? Int)
        #expect(ExitCleanup.isAlive(Int32(dovecotPID)))

        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline
            && (ExitCleanup.isAlive(Int32(dovecotPID)) || FileManager.default.fileExists(atPath: directory))
        {
            usleep(100_000)
        }
        #expect(!ExitCleanup.isAlive(Int32(dovecotPID)))
        #expect(!FileManager.default.fileExists(atPath: directory))
    }
}
