import IMAPClient
import Logging
import MailTransport

/// Opens an authenticated IMAP session for an account from the job file.
enum AccountSession {
    static func withIMAP<Result: Sendable>(
        _ account: AccountConfig, logger: Logger, _ body: (IMAPSession) async throws -> Result
    ) async throws -> Result {
        let secret = try SecretResolver.resolve(account.secret)
        return try await IMAPSession.withSession(endpoint: account.endpoint, logger: logger) { session in
            try await session.login(user: account.user, password: secret)
            return try await body(session)
        }
    }
}
