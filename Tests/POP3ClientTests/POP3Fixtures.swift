import Foundation
import Logging
import MailTransport
import POP3Client
import TestSupport

let testLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}()

extension DovecotServer {
    func pop3Endpoint(_ tls: TLSMode) -> Endpoint {
        Endpoint(
            host: "localhost", port: tls == .implicit ? pop3sPort : pop3Port, tls: tls, caFile: caCertificatePath,
            connectTimeoutSeconds: 5, readTimeoutSeconds: 30)
    }

    func withPOP3<Result: Sendable>(
        tls: TLSMode = .implicit, user: String = "alice", _ body: (POP3Session) async throws -> Result
    ) async throws -> Result {
        let password = options.users.first { $0.name == user }?.password ?? ""
        return try await POP3Session.withSession(endpoint: pop3Endpoint(tls), logger: testLogger) { session in
            try await session.login(user: user, password: Secret(password))
            return try await body(session)
        }
    }
}

extension POP3Session {
    /// Every message in memory, by number: for tests only.
    func retrieveAll(limit: Int = 64 << 20) async throws -> [Int: [UInt8]] {
        let requests = try await list().map { Request(number: $0.number, limit: limit) }
        var messages: [Int: [UInt8]] = [:]
        try await retrieve(requests) { request, event in
            switch event {
            case .start: messages[request.number] = []
            case .data(let chunk): messages[request.number]! += chunk.readableBytesView
            case .end, .failed: break
            }
        }
        return messages
    }
}
