import MailTransport
import NIOCore
import POP3Client
import POP3Core
import TestSupport
import Testing

/// Misbehaviour a real server will not produce, from a scripted fake server: every case ends in a
/// clear typed error (or, where the RFC allows the behaviour, success), never a crash or a hang.
struct HostilePOP3ServerTests {
    static let greeting: ScriptedIMAPServer.Step = .send("+OK fake POP3 ready\r\n")
    /// CAPA, USER and PASS answered, pipelining on.
    static let loggedIn: [ScriptedIMAPServer.Step] = [
        greeting, .readLine, .send("+OK\r\nUIDL\r\nTOP\r\nUSER\r\nPIPELINING\r\n.\r\n"),
        .readLine, .send("+OK\r\n"), .readLine, .send("+OK logged in\r\n"),
        .readLine, .send("+OK\r\nUIDL\r\nTOP\r\nUSER\r\nPIPELINING\r\n.\r\n"),
    ]

    func session<Result: Sendable>(
        _ script: [ScriptedIMAPServer.Step], limits: POP3Session.Limits = .init(), login: Bool = true,
        _ body: (POP3Session) async throws -> Result
    ) async throws -> (Result, [String]) {
        let server = try ScriptedIMAPServer(script: script)
        defer { server.stop() }
        let endpoint = Endpoint(
            host: server.host, port: server.port, tls: .none, connectTimeoutSeconds: 5, readTimeoutSeconds: 2)
        let result = try await POP3Session.withSession(endpoint: endpoint, logger: testLogger, limits: limits) { session in
            if login { try await session.login(user: "alice", password: Secret("pw")) }
            return try await body(session)
        }
        return (result, server.transcripts.first ?? [])
    }

    func expectError(
        _ script: [ScriptedIMAPServer.Step], limits: POP3Session.Limits = .init(),
        _ matches: @escaping (POP3Error) -> Bool, _ body: @escaping (POP3Session) async throws -> Void
    ) async {
        await #expect {
            _ = try await session(script, limits: limits, body)
        } throws: { error in
            guard let error = error as? POP3Error else { return false }
            return matches(error)
        }
    }

    @Test func garbageGreeting() async {
        await expectError([.send("* OK IMAP4rev1 ready\r\n"), .hang]) {
            if case .parse = $0 { return true } else { return false }
        } _: { _ in }
    }

    @Test func refusedGreeting() async {
        await expectError([.send("-ERR [SYS/TEMP] too busy\r\n"), .close]) { $0 == .greetingRefused("too busy") } _: { _ in }
    }

    @Test func malformedListLine() async {
        await expectError(Self.loggedIn + [.readLine, .send("+OK\r\n1 120\r\ntwo 99\r\n.\r\n"), .hang]) {
            if case .parse(.invalid(rule: "scan listing", _)) = $0 { return true } else { return false }
        } _: { session in
            _ = try await session.list()
        }
    }

    @Test func lyingListSizeIsCaughtByTheLimit() async {
        let body = String(repeating: "spam spam spam\r\n", count: 2_000)
        await expectError(Self.loggedIn + [.readLine, .send("+OK 10 octets\r\n" + body + ".\r\n"), .hang]) {
            $0 == .responseTooLarge(command: "RETR 1", limit: 1_000)
        } _: { session in
            try await session.retrieve([.init(number: 1, limit: 1_000)]) { _, _ in }
        }
    }

    @Test func multilineThatNeverEndsTimesOut() async {
        await expectError(Self.loggedIn + [.readLine, .send("+OK\r\nSubject: x\r\n\r\nand then nothing"), .hang]) {
            $0 == .transport(.readTimeout(seconds: 2))
        } _: { session in
            try await session.retrieve([.init(number: 1, limit: 1 << 20)]) { _, _ in }
        }
    }

    @Test func endlessListingHitsItsLimit() async {
        var limits = POP3Session.Limits()
        limits.maximumListingBytes = 4_096
        let lines = (1...2_000).map { "\($0) uid\($0)\r\n" }.joined()
        await expectError(Self.loggedIn + [.readLine, .send("+OK\r\n" + lines), .hang], limits: limits) {
            $0 == .responseTooLarge(command: "UIDL", limit: 4_096)
        } _: { session in
            _ = try await session.uniqueIDs()
        }
    }

    @Test func endlessLineIsRefused() async {
        await expectError([.send("+OK " + String(repeating: "x", count: 20_000)), .hang]) {
            if case .parse(.lineTooLong) = $0 { return true } else { return false }
        } _: { _ in }
    }

    @Test func connectionDroppedMidMessage() async {
        await expectError(Self.loggedIn + [.readLine, .send("+OK\r\nSubject: half\r\n"), .close]) {
            $0 == .connectionClosed
        } _: { session in
            try await session.retrieve([.init(number: 1, limit: 1 << 20)]) { _, _ in }
        }
    }

    @Test func quitRefusedIsAnError() async {
        await expectError(Self.loggedIn + [.readLine, .send("-ERR [SYS/PERM] could not delete\r\n"), .close]) {
            $0 == .commandFailed(command: "QUIT", code: "SYS/PERM", text: "could not delete")
        } _: { _ in }
    }

    /// Without CAPA and USER, an APOP-only server gets APOP with RFC 1939's digest.
    @Test func apopWhenItIsTheOnlyWay() async throws {
        let script: [ScriptedIMAPServer.Step] = [
            .send("+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n"),
            .readLine, .send("-ERR unknown command\r\n"),
            .readLine, .send("-ERR USER not allowed, use APOP\r\n"),
            .readLine, .send("+ok maildrop has 0 messages (0 octets)\r\n"),
            .readLine, .send("+OK   0  0\r\n"),
            .readLine, .send("+OK bye\r\n"),
        ]
        let server = try ScriptedIMAPServer(script: script)
        defer { server.stop() }
        let endpoint = Endpoint(host: server.host, port: server.port, tls: .none, connectTimeoutSeconds: 5, readTimeoutSeconds: 2)
        let count = try await POP3Session.withSession(endpoint: endpoint, logger: testLogger) { session in
            #expect(!session.answersCAPA)
            try await session.login(user: "mrose", password: Secret("tanstaaf"))
            return try await session.stat().count
        }
        #expect(count == 0)
        #expect(server.transcripts.first == ["CAPA", "USER mrose", "APOP mrose c4c9334bac560ecc979e58001b3e22fb", "STAT", "QUIT"])
    }

    /// The fake server reads all three RETRs before answering: a client that waited for each
    /// answer before sending the next command would hang here.
    @Test func retrIsPipelined() async throws {
        let answers = (1...3).map { "+OK\r\nSubject: \($0)\r\n\r\n..dot \($0)\r\n.\r\n" }.joined()
        let (messages, transcript) = try await session(
            Self.loggedIn + [.readLine, .readLine, .readLine, .send(answers), .readLine, .send("+OK\r\n")]
        ) { session in
            var messages: [Int: String] = [:]
            try await session.retrieve((1...3).map { .init(number: $0, limit: 1_000) }) { request, event in
                if case .data(let chunk) = event { messages[request.number, default: ""] += String(buffer: chunk) }
            }
            return messages
        }
        #expect(messages[2] == "Subject: 2\r\n\r\n.dot 2\r\n")
        #expect(transcript.suffix(4) == ["RETR 1", "RETR 2", "RETR 3", "QUIT"])
    }

    @Test func oneMessageRefusedTheOthersArrive() async throws {
        let (events, _) = try await session(
            Self.loggedIn + [
                .readLine, .readLine, .send("-ERR [SYS/TEMP] message 1 unreadable\r\n+OK\r\nbody\r\n.\r\n"),
                .readLine, .send("+OK\r\n"),
            ]
        ) { session in
            var events: [String] = []
            try await session.retrieve([.init(number: 1, limit: 100), .init(number: 2, limit: 100)]) { request, event in
                switch event {
                case .failed(let code, _): events.append("\(request.number) failed \(code ?? "")")
                case .end: events.append("\(request.number) end")
                default: break
                }
            }
            return events
        }
        #expect(events == ["1 failed SYS/TEMP", "2 end"])
    }

    @Test func sessionWithoutLoginWhenNothingWorks() async {
        await expectError([Self.greeting, .readLine, .send("+OK\r\nTOP\r\n.\r\n"), .hang]) { $0 == .noUsableLogin } _: { _ in }
    }


    /// XOAUTH2 with a token too long for RFC 5034's 255-octet command line: the response goes
    /// after the server's "+"; a refused token's JSON challenge is answered empty to get the -ERR.
    @Test func xoauth2WithALongTokenAndARefusal() async throws {
        let capa = "+OK\r\nSASL XOAUTH2\r\nUIDL\r\n.\r\n"
        let token = Secret(String(repeating: "t", count: 400))
        let accepted = try ScriptedIMAPServer(script: [
            Self.greeting, .readLine, .send(capa), .readLine, .send("+ \r\n"), .readLine, .send("+OK welcome\r\n"),
            .readLine, .send(capa), .readLine, .send("+OK\r\n"),
        ])
        defer { accepted.stop() }
        let endpoint = Endpoint(host: accepted.host, port: accepted.port, tls: .none, connectTimeoutSeconds: 5, readTimeoutSeconds: 2)
        try await POP3Session.withSession(endpoint: endpoint, logger: testLogger) { session in
            try await session.authenticate(.xoauth2(user: "alice", token: token))
            #expect(session.isAuthenticated)
        }
        let lines = accepted.transcripts[0]
        #expect(lines[1] == "AUTH XOAUTH2" && lines[2] == SASL.xoauth2(user: "alice", token: token).initialResponse)

        let refused = try ScriptedIMAPServer(script: [
            Self.greeting, .readLine, .send(capa), .readLine, .send("+ eyJzdGF0dXMiOiI0MDEifQ==\r\n"),
            .readLine, .send("-ERR [AUTH] invalid token\r\n"), .hang,
        ])
        defer { refused.stop() }
        let short = Endpoint(host: refused.host, port: refused.port, tls: .none, connectTimeoutSeconds: 5, readTimeoutSeconds: 2)
        await #expect {
            try await POP3Session.withSession(endpoint: short, logger: testLogger) { session in
                try await session.authenticate(.xoauth2(user: "alice", token: Secret("short")))
            }
        } throws: { error in
            (error as? POP3Error) == .authenticationFailed("[AUTH] invalid token")
        }
        #expect(refused.transcripts[0].last == "")
    }
}
