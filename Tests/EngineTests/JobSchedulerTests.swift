import Engine
import Foundation
import TestSupport
import Testing

/// Jobs of different accounts run side by side, at most `parallel` at once; jobs sharing an account or
/// a backup directory run one after the other; connections to one server never exceed its limit.
struct JobSchedulerTests {
    @Test func jobsSharingAnAccountOrADirectoryShareALane() {
        let keys = [
            JobScheduler.keys(accounts: ["a"], directory: "/b/a"),
            JobScheduler.keys(accounts: ["b"], directory: "/b/b"),
            JobScheduler.keys(accounts: ["c", "a"], directory: "/b/c"),
            JobScheduler.keys(accounts: ["d"], directory: "/b/b"),
            JobScheduler.keys(accounts: ["e"], directory: nil),
        ]
        #expect(JobScheduler.lanes(keys) == [[0, 2], [1, 3], [4]])
    }

    @Test(arguments: [1, 2, 3])
    func atMostParallelLanesRunAtOnce(_ parallel: Int) async {
        let gauge = Gauge()
        let keys = (0..<6).map { JobScheduler.keys(accounts: ["account\($0 % 4)"], directory: nil) }
        let outcomes = await JobScheduler.run(keys: keys, parallel: parallel) { index in
            await gauge.enter()
            await gauge.waitUntilHighest(reaches: parallel)
            await gauge.leave()
            return index * 10
        }
        #expect(outcomes == [0, 10, 20, 30, 40, 50])
        #expect(await gauge.highest == parallel)
    }

    @Test func oneServersConnectionsStayWithinItsLimit() async throws {
        let limiter = ConnectionLimiter()
        let gauge = Gauge()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<8 {
                group.addTask {
                    try await limiter.withSlot(server: index % 2 == 0 ? "Mail.Example.net:993" : "mail.example.NET:993", limit: 3)
                    {
                        await gauge.enter()
                        await gauge.waitUntilHighest(reaches: 3)
                        await gauge.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(await gauge.highest == 3)
        #expect(await limiter.inUse("mail.example.net:993") == 0)
    }

    @Test func aFailingHolderGivesItsSlotBack() async throws {
        let limiter = ConnectionLimiter()
        await #expect(throws: CancellationError.self) {
            try await limiter.withSlot(server: "h:1", limit: 1) { throw CancellationError() }
        }
        #expect(try await limiter.withSlot(server: "h:1", limit: 1) { 7 } == 7)
    }
}

extension JobSchedulerTests {
    /// Four accounts on one (scripted) server, run four at once, never hold more than its
    /// `max_connections` of 2: each login is held a moment, so unlimited jobs would overlap.
    @Test func aRunKeepsWithinTheServersMaxConnections() async throws {
        let logins = TestBox((open: 0, most: 0, total: 0))
        let server = try ScriptedIMAPServer(script: [
            .send("* OK [CAPABILITY IMAP4rev1] ready\r\n"),
            .respond { line in
                let tag = line.split(separator: " ").first.map(String.init) ?? "*"
                if line.contains(" LOGIN ") {
                    logins.withLock { state in
                        state.open += 1
                        state.total += 1
                        state.most = max(state.most, state.open)
                    }
                    Thread.sleep(forTimeInterval: 0.2)
                }
                if line.contains("LOGOUT") {
                    logins.withLock { $0.open -= 1 }
                    return Array("* BYE\r\n\(tag) OK bye\r\n".utf8)
                }
                return Array("\(tag) OK done\r\n".utf8)
            },
        ])
        defer { server.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("limit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var text = "parallel = 4\nmax_connections = 2\n"
        for index in 1...4 {
            text += """

                [accounts.a\(index)]
                host = "127.0.0.1"
                port = \(server.port)
                tls = "none"
                user = "user\(index)"
                password_env = "LIMIT_TEST_PASSWORD"

                [[jobs]]
                name = "j\(index)"
                backup = "a\(index)"
                into = "b\(index)"

                """
        }
        let path = directory.appendingPathComponent("jobs.toml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let result = try await MailFerryCLI.running(["run", path], environment: ["LIMIT_TEST_PASSWORD": "pw"])
        #expect(result.status == 0, "\(result.stderr)")
        let seen = logins.withLock { $0 }
        #expect(seen.total == 4 && seen.most <= 2, "\(seen)")
    }
}

/// How many are inside at once, and the most there ever were.
actor Gauge {
    private(set) var inside = 0
    private(set) var highest = 0
    func enter() {
        inside += 1
        highest = max(highest, inside)
    }
    func leave() { inside -= 1 }

    /// Holds its caller until `count` were inside at once (or a few seconds passed, so that a scheduler
    /// that lets fewer in fails the test instead of hanging it).
    nonisolated func waitUntilHighest(reaches count: Int) async {
        for _ in 0..<1000 {
            if await highest >= count { return }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}
