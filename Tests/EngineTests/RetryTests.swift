import Engine
import Foundation
import IMAPClient
import IMAPCore
import MailTransport
import POP3Client
import TestSupport
import Testing

/// A backup tries again after a dropped connection or throttling, waiting as long as the server
/// asks (Microsoft 365's "Suggested Backoff Time") or doubling its wait, and never for what waiting
/// cannot cure.
struct RetryTests {
    static let throttledNO = IMAPError.commandFailed(
        command: "UID FETCH", status: .no,
        text: ResponseText(code: .other(name: "THROTTLED", argument: nil), text: "Too many simultaneous requests"))

    @Test(
        arguments: [
            // (error, attempt, expected delay with a base of 2 s)
            (IMAPError.bye("Request is throttled. Suggested Backoff Time: 1500 milliseconds"), 1, 1.5),
            (IMAPError.bye("Suggested Backoff Time: 99999999 milliseconds"), 1, 900),
            (IMAPError.bye("System error"), 1, 2),
            (IMAPError.connectionClosed, 3, 8),
            (Self.throttledNO, 2, 4),
            (IMAPError.transport(.readTimeout(seconds: 120)), 1, 2),
            (POP3Error.commandFailed(command: "RETR", code: "IN-USE", text: "[THROTTLED] later"), 1, 2),
            (AccountError(account: "a", underlying: TransportError.connectionClosed), 2, 4),
        ] as [(any Error & Sendable, Int, Double)])
    func transientFailuresAreRetried(_ error: any Error & Sendable, _ attempt: Int, _ delay: Double) {
        #expect(RetryAdvice.delay(after: error, attempt: attempt, base: 2) == delay, "\(error)")
    }

    @Test(
        arguments: [
            IMAPError.authenticationFailed("Invalid credentials"),
            IMAPError.bye("[OVERQUOTA] Account exceeded command or bandwidth limits"),
            IMAPError.commandFailed(
                command: "EXAMINE", status: .no, text: ResponseText(code: nil, text: "Mailbox doesn't exist")),
            IMAPError.transport(.certificateUntrusted(host: "h", reason: "self-signed")),
            TransportError.unknownHost("h"),
            POP3Error.authenticationFailed("no"),
        ] as [any Error & Sendable])
    func permanentFailuresAreNot(_ error: any Error & Sendable) {
        #expect(RetryAdvice.delay(after: error, attempt: 1, base: 2) == nil, "\(error)")
    }

    @Test func aThrottledRunWaitsAsAskedAndResumes() async throws {
        let greeting = ScriptedIMAPServer.Step.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] ready\r\n")
        let server = try ScriptedIMAPServer(scripts: { index in
            index != 1
                ? [
                    greeting, .readLine, .sendTagged("OK logged in"), .readLine,
                    .send("* BYE Request is throttled. Suggested Backoff Time: 300 milliseconds\r\n"), .close,
                ]
                : [
                    greeting, .readLine, .sendTagged("OK logged in"), .readLine, .sendTagged("OK LIST done"),
                    .readLine, .send("* BYE\r\n"), .sendTagged("OK bye"),
                ]
        })
        defer { server.stop() }
        let fixture = try ScriptedJobFile(port: server.port, keys: "password_env = \"MAILFERRY_RETRY_PASSWORD\"")
        defer { fixture.remove() }
        let started = Date()
        let result = try await MailFerryCLI.running(
            ["run", fixture.jobs, "--retry-delay", "60"], environment: ["MAILFERRY_RETRY_PASSWORD": "pw"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(server.connectionCount == 2)
        #expect(result.stderr.contains("trying again in 0.3 s (attempt 2 of 4)"), "\(result.stderr)")
        // The server's hint, not the 60 s base, decided the wait (the message above says so; no upper
        // bound on the time here: under a loaded test run the process itself may take long).
        #expect(Date().timeIntervalSince(started) >= 0.3)

        let quiet = try await MailFerryCLI.running(
            ["run", fixture.jobs, "--quiet", "--retries", "0"], environment: ["MAILFERRY_RETRY_PASSWORD": "pw"])
        #expect(quiet.status == 5, "\(quiet.stderr)")
        #expect(!quiet.stderr.contains("trying again") && quiet.stderr.contains("Suggested Backoff Time"))
        #expect(server.connectionCount == 3)
    }
}
