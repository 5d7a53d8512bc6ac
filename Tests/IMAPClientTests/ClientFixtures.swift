import Foundation
import IMAPClient
import IMAPCore
import Logging
import MailTransport
import TestSupport

/// Endpoints and sessions against a harness Dovecot.
extension DovecotServer {
    func endpoint(_ tls: TLSMode, trusted: Bool = true, host: String = "localhost") -> Endpoint {
        let port = tls == .implicit ? imapsPort : imapPort
        return Endpoint(
            host: host, port: port, tls: tls, caFile: trusted ? caCertificatePath : nil, connectTimeoutSeconds: 5,
            readTimeoutSeconds: 30)
    }

    func withSession<Result: Sendable>(
        user: String = "alice", tls: TLSMode = .implicit, _ body: (IMAPSession) async throws -> Result
    ) async throws -> Result {
        let password = options.users.first { $0.name == user }?.password ?? ""
        return try await IMAPSession.withSession(endpoint: endpoint(tls), logger: testLogger) { session in
            try await session.login(user: user, password: Secret(password))
            return try await body(session)
        }
    }
}

let testLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .error
    return logger
}()

/// A small well-formed message with CRLF line ends.
func sampleMessage(_ index: Int, bodyLines: Int = 20) -> [UInt8] {
    var text = "From: Sender \(index) <sender\(index)@example.org>\r\n"
    text += "To: alice@example.com\r\n"
    text += "Subject: Message number \(index)\r\n"
    text += "Date: Mon, 3 Mar 2025 10:\(String(format: "%02d", index % 60)):00 +0000\r\n"
    text += "Message-ID: <msg\(index)@example.org>\r\n"
    text += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    for line in 0..<bodyLines { text += "Line \(line) of message \(index): the quick brown fox.\r\n" }
    return Array(text.utf8)
}

