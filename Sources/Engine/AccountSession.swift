import IMAPClient
import Logging
import MailTransport
import POP3Client

/// Opens an authenticated IMAP or POP3 session for an account from the job file.
enum AccountSession {
    static func withIMAP<Result: Sendable>(
        _ account: AccountConfig, logger: Logger, _ body: (IMAPSession) async throws -> Result
    ) async throws -> Result {
        // Resolved per connection: a token command hands out a fresh token each time.
        let secret = try SecretResolver.resolve(account.secret)
        return try await IMAPSession.withSession(endpoint: account.endpoint, logger: logger) { session in
            if let sasl = oauth(account, secret) {
                try await session.authenticate(sasl)
            } else {
                try await session.login(user: account.user, password: secret)
            }
            return try await body(session)
        }
    }

    /// The POP3 session ends with QUIT when `body` returns (the session's DELEs take effect), and
    /// without it when `body` throws (the server forgets them).
    static func withPOP3<Result: Sendable>(
        _ account: AccountConfig, logger: Logger, _ body: (POP3Session) async throws -> Result
    ) async throws -> Result {
        let secret = try SecretResolver.resolve(account.secret)
        return try await POP3Session.withSession(endpoint: account.endpoint, logger: logger) { session in
            if let sasl = oauth(account, secret) {
                try await session.authenticate(sasl)
            } else {
                try await session.login(user: account.user, password: secret)
            }
            return try await body(session)
        }
    }

    /// The SASL exchange of an OAuth2 account, or nil for a password account.
    static func oauth(_ account: AccountConfig, _ token: Secret) -> SASL? {
        switch account.auth {
        case .plain, .login: nil
        case .xoauth2: .xoauth2(user: account.user, token: token)
        case .oauthbearer:
            .oauthBearer(user: account.user, host: account.endpoint.host, port: account.endpoint.port, token: token)
        }
    }
}
