import Foundation
import TestSupport
import Testing

/// OAuth2 accounts (`auth` + `token_command`) on the wire, against scripted IMAP and POP3 servers:
/// the built binary runs the token command, sends the token in the SASL exchange, and turns every
/// failure into exit 3 without showing more of the command's output than its first error line.
struct OAuthTokenTests {
    static let token = "ya29.tok-3141"

    /// An IMAP server with no folders that accepts any AUTHENTICATE and keeps the lines it got.
    static func imapServer(capabilities: String, reject: Bool = false) throws -> ScriptedIMAPServer {
        try ScriptedIMAPServer(script: [
            .send("* OK [CAPABILITY IMAP4rev1 \(capabilities)] ready\r\n"),
            .respond { line in
                let tag = line.split(separator: " ").first.map(String.init) ?? "*"
                if line.contains("AUTHENTICATE") {
                    // XOAUTH2 reports a bad token as a JSON challenge before the NO.
                    return Array(
                        (reject ? "+ eyJzdGF0dXMiOiI0MDEifQ==\r\n" : "\(tag) OK [CAPABILITY IMAP4rev1] hi\r\n").utf8)
                }
                if line.isEmpty { return Array("A1 NO [AUTHENTICATIONFAILED] Invalid credentials\r\n".utf8) }
                if line.contains("LOGOUT") { return Array("* BYE\r\n\(tag) OK bye\r\n".utf8) }
                return Array("\(tag) OK done\r\n".utf8)
            },
        ])
    }

    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    @Test func imapXOAUTH2SendsTheTokenTheCommandPrinted() async throws {
        let server = try Self.imapServer(capabilities: "AUTH=XOAUTH2 SASL-IR")
        defer { server.stop() }
        let fixture = try ScriptedJobFile(
            port: server.port, keys: "auth = \"xoauth2\"\ntoken_command = \"printf '\(Self.token)\\\\n'\"")
        defer { fixture.remove() }
        let result = try await MailFerryCLI.running(["run", fixture.jobs])
        #expect(result.status == 0, "\(result.stderr)")
        let expected = Self.base64("user=alice@example.com\u{1}auth=Bearer \(Self.token)\u{1}\u{1}")
        #expect(server.transcripts.first?.first == "A1 AUTHENTICATE XOAUTH2 \(expected)")
        #expect(!result.stdout.contains(Self.token) && !result.stderr.contains(Self.token))
    }

    @Test func imapOAUTHBEARERNamesHostAndPort() async throws {
        let server = try Self.imapServer(capabilities: "AUTH=OAUTHBEARER SASL-IR")
        defer { server.stop() }
        let fixture = try ScriptedJobFile(
            port: server.port, keys: "auth = \"oauthbearer\"\ntoken_command = \"echo \(Self.token)\"")
        defer { fixture.remove() }
        let result = try await MailFerryCLI.running(["run", fixture.jobs])
        #expect(result.status == 0, "\(result.stderr)")
        let expected = Self.base64(
            "n,a=alice@example.com,\u{1}host=127.0.0.1\u{1}port=\(server.port)\u{1}auth=Bearer \(Self.token)\u{1}\u{1}")
        #expect(server.transcripts.first?.first == "A1 AUTHENTICATE OAUTHBEARER \(expected)")
    }

    /// Gmail ends a session whose token it no longer takes with "BYE ... Session expired"; the
    /// reconnect offers the token kept from the first login, the server refuses it, and the login is
    /// tried once more with a new token instead of failing the run with exit 3.
    @Test func aKeptTokenTheServerRefusesIsReplacedOnce() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let counter = scratch.appendingPathComponent("count").path
        let script = scratch.appendingPathComponent("token.sh")
        try Data(
            """
            n=$(cat '\(counter)' 2>/dev/null || echo 0); n=$((n + 1)); echo $n > '\(counter)'; echo token-$n

            """.utf8
        ).write(to: script)
        let greeting = "* OK [CAPABILITY IMAP4rev1 AUTH=XOAUTH2 SASL-IR] ready\r\n"
        let server = try ScriptedIMAPServer(scripts: { index in
            // The first connection takes token-1, then ends the session the way Gmail does and closes.
            if index == 0 {
                return [
                    .send(greeting), .readLine, .sendTagged("OK hi"), .readLine,
                    .send("* BYE [UNAVAILABLE] Session expired, please login again.\r\n"), .close,
                ]
            }
            return [
                .send(greeting),
                .respond { line in
                    let tag = line.split(separator: " ").first.map(String.init) ?? "*"
                    if line.contains("AUTHENTICATE") {
                        // token-1 is no longer taken on a new connection.
                        let good = !line.contains(Self.base64("user=alice@example.com\u{1}auth=Bearer token-1\u{1}\u{1}"))
                        return Array((good ? "\(tag) OK hi\r\n" : "\(tag) NO [AUTHENTICATIONFAILED] Invalid credentials\r\n").utf8)
                    }
                    if line.contains("LOGOUT") { return Array("* BYE\r\n\(tag) OK bye\r\n".utf8) }
                    return Array("\(tag) OK done\r\n".utf8)
                },
            ]
        })
        defer { server.stop() }
        let fixture = try ScriptedJobFile(
            port: server.port, keys: "auth = \"xoauth2\"\ntoken_command = \"sh \(script.path)\"")
        defer { fixture.remove() }
        let result = try await MailFerryCLI.running(["run", fixture.jobs, "--retry-delay", "0.1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(server.connectionCount == 2)
        let second = server.transcripts.count > 1 ? server.transcripts[1] : []
        #expect(second.filter { $0.contains("AUTHENTICATE") }.count == 2, "\(second)")
        #expect(second.last?.contains("LOGOUT") == true, "\(second)")
        #expect(try String(contentsOfFile: counter, encoding: .utf8) == "2\n", "one new token, not one per attempt")
        #expect(!result.stderr.contains("token-"))
    }

    @Test func aRejectedTokenIsAnAuthenticationFailure() async throws {
        let server = try Self.imapServer(capabilities: "AUTH=XOAUTH2 SASL-IR", reject: true)
        defer { server.stop() }
        let fixture = try ScriptedJobFile(
            port: server.port, keys: "auth = \"xoauth2\"\ntoken_command = \"echo expired\"")
        defer { fixture.remove() }
        let result = try await MailFerryCLI.running(["run", fixture.jobs])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("Invalid credentials") && !result.stderr.contains("expired"))
    }

    @Test(arguments: [
        // (token_command, what stderr must say)
        (
            "echo 'refresh failed: invalid_grant' >&2; echo 'refresh_token=rt-secret-999' >&2; exit 7",
            "token_command exited with status 7: refresh failed: invalid_grant"
        ),
        ("true", "token_command gave an empty token"),
    ])
    func aFailingTokenCommandIsAClearAuthenticationError(_ command: String, _ message: String) async throws {
        let server = try Self.imapServer(capabilities: "AUTH=XOAUTH2 SASL-IR")
        defer { server.stop() }
        let quoted = command.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        let fixture = try ScriptedJobFile(port: server.port, keys: "auth = \"xoauth2\"\ntoken_command = \"\(quoted)\"")
        defer { fixture.remove() }
        let result = try await MailFerryCLI.running(["run", fixture.jobs])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!result.stderr.contains("rt-secret-999"))
        // The token is fetched before connecting: a broken command never reaches the server.
        #expect(server.connectionCount == 0)
    }

    @Test func pop3AuthXOAUTH2() async throws {
        let server = try ScriptedIMAPServer(script: [
            .send("+OK ready\r\n"),
            .respond { line in
                switch line.split(separator: " ").first ?? "" {
                case "CAPA": Array("+OK\r\nSASL XOAUTH2\r\nUIDL\r\nTOP\r\n.\r\n".utf8)
                case "AUTH", "NOOP": Array("+OK welcome\r\n".utf8)
                case "STAT": Array("+OK 0 0\r\n".utf8)
                case "UIDL", "LIST": Array("+OK\r\n.\r\n".utf8)
                case "QUIT": Array("+OK bye\r\n".utf8)
                default: Array("-ERR unexpected\r\n".utf8)
                }
            },
        ])
        defer { server.stop() }
        let fixture = try ScriptedJobFile(
            port: server.port, keys: "auth = \"xoauth2\"\ntoken_command = \"echo \(Self.token)\"", protocol: "pop3")
        defer { fixture.remove() }
        let result = try await MailFerryCLI.running(["run", fixture.jobs])
        let expected = Self.base64("user=alice@example.com\u{1}auth=Bearer \(Self.token)\u{1}\u{1}")
        #expect(server.transcripts.first?.contains("AUTH XOAUTH2 \(expected)") == true, "\(server.transcripts)")
        #expect(result.status == 0, "\(result.stderr)")
    }
}
