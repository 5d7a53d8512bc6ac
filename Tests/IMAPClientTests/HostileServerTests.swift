import IMAPClient
import IMAPCore
import MailTransport
import TestSupport
import Testing

/// Misbehaviour a real server will not produce, from a scripted fake server: every case ends in a
/// clear typed error, never a crash or a hang.
struct HostileServerTests {
    /// Greeting with capabilities, then a LOGIN that succeeds.
    static let loggedIn: [ScriptedIMAPServer.Step] = [
        .send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] fake ready\r\n"),
        .readLine,
        .sendTagged("OK [CAPABILITY IMAP4rev1 LITERAL+] logged in"),
    ]

    func session<Result: Sendable>(
        _ script: [ScriptedIMAPServer.Step], _ body: (IMAPSession) async throws -> Result
    ) async throws -> Result {
        let server = try ScriptedIMAPServer(script: script)
        defer { server.stop() }
        let endpoint = Endpoint(
            host: server.host, port: server.port, tls: .none, connectTimeoutSeconds: 5, readTimeoutSeconds: 2)
        return try await IMAPSession.withSession(endpoint: endpoint, logger: testLogger) { session in
            try await session.login(user: "alice", password: Secret("pw"))
            return try await body(session)
        }
    }

    @Test func malformedFetchIsAParseError() async throws {
        await #expect {
            try await session(Self.loggedIn + [.readLine, .send("* 1 FETCH (UID 12x FLAGS (\\Seen))\r\n"), .hang]) {
                session in
                _ = try await session.fetchMessages(.all)
            }
        } throws: { error in
            guard case .parse? = error as? IMAPError else { return false }
            return true
        }
    }

    @Test func literalThatNeverEndsTimesOut() async throws {
        let body = String(repeating: "x", count: 100)
        await #expect {
            try await session(Self.loggedIn + [.readLine, .send("* 1 FETCH (UID 1 BODY[] {1000000}\r\n\(body)"), .hang]) {
                session in
                _ = try await session.fetchMessages(.all)
            }
        } throws: { error in
            (error as? IMAPError) == .transport(.readTimeout(seconds: 2))
        }
    }

    @Test func byeInTheMiddleOfACommand() async throws {
        await #expect {
            try await session(Self.loggedIn + [.readLine, .send("* BYE server shutting down for maintenance\r\n"), .close]) {
                session in
                _ = try await session.fetchMessages(.all)
            }
        } throws: { error in
            (error as? IMAPError) == .bye("server shutting down for maintenance")
        }
    }

    @Test func connectionDroppedMidLiteral() async throws {
        await #expect {
            try await session(Self.loggedIn + [.readLine, .send("* 1 FETCH (UID 1 BODY[] {5000}\r\nFrom: a\r\n"), .close]) {
                session in
                _ = try await session.fetchMessages(.all)
            }
        } throws: { error in
            switch error as? IMAPError {
            case .connectionClosed?, .transport(.connectionClosed)?: true
            default: false
            }
        }
    }

    @Test func connectionResetMidLiteral() async throws {
        await #expect {
            try await session(Self.loggedIn + [.readLine, .send("* 1 FETCH (UID 1 BODY[] {5000}\r\nFrom: a\r\n"), .reset]) {
                session in
                _ = try await session.fetchMessages(.all)
            }
        } throws: { error in
            switch error as? IMAPError {
            case .connectionClosed?, .transport?: true
            default: false
            }
        }
    }

    @Test func byeGreetingIsRefused() async throws {
        await #expect {
            try await session([.send("* BYE too many connections\r\n"), .close]) { _ in }
        } throws: { error in
            (error as? IMAPError) == .greetingRefused("too many connections")
        }
    }

    @Test func completionForAnUnknownTag() async throws {
        await #expect {
            try await session(Self.loggedIn + [.readLine, .send("Z999 OK who asked\r\n"), .hang]) { session in
                try await session.run(.noop)
            }
        } throws: { error in
            guard case .protocolViolation? = error as? IMAPError else { return false }
            return true
        }
    }

    @Test func garbageGreeting() async throws {
        await #expect {
            try await session([.sendBytes([0x00, 0xFF, 0x13, 0x0D, 0x0A]), .hang]) { _ in }
        } throws: { error in
            switch error as? IMAPError {
            case .parse?, .greetingRefused?: true
            default: false
            }
        }
    }

    @Test func untaggedNoiseDuringAFetchIsTolerated() async throws {
        let script: [ScriptedIMAPServer.Step] = Self.loggedIn + [
            .readLine,
            .send("* 3 EXISTS\r\n* 1 FETCH (UID 7 BODY[] {5}\r\nhello FLAGS (\\Seen))\r\n"),
            .send("* OK [ALERT] still here\r\n* 2 FETCH (FLAGS (\\Deleted))\r\n"),
            .sendTagged("OK done"),
            .readLine, .sendTagged("OK bye"),
        ]
        let messages = try await session(script) { session in try await session.fetchMessages(.all) }
        #expect(messages.count == 2)
        #expect(messages[0].uid == 7)
        #expect(messages[0].body == Array("hello".utf8))
        #expect(messages[0].flags == [.seen])
        #expect(messages[1].body == nil)
    }
}
