import IMAPClient
import Logging
import MailTransport
import POP3Client

/// Opens an authenticated IMAP or POP3 session for an account from the job file.
enum AccountSession {
    /// `counted: false` opens a connection outside `max_connections`: watch mode's IDLE
    /// connection, which stays open while the passes it starts take their slots.
    static func withIMAP<Result: Sendable>(
        _ account: AccountConfig, logger: Logger, counted: Bool = true, _ body: (IMAPSession) async throws -> Result
    ) async throws -> Result {
        let first = try await credential(account, logger: logger)
        return try await limited(account, counted: counted) {
            try await IMAPSession.withSession(endpoint: account.endpoint, logger: logger) { session in
                try await signIn(
                    account, first, logger: logger,
                    refusal: { if case IMAPError.authenticationFailed = $0 { true } else { false } },
                    authenticate: { try await session.authenticate($0) },
                    login: { try await session.login(user: account.user, password: $0) })
                return try await body(session)
            }
        }
    }

    /// The POP3 session ends with QUIT when `body` returns (the session's DELEs take effect), and
    /// without it when `body` throws (the server forgets them).
    static func withPOP3<Result: Sendable>(
        _ account: AccountConfig, logger: Logger, _ body: (POP3Session) async throws -> Result
    ) async throws -> Result {
        let first = try await credential(account, logger: logger)
        return try await limited(account) {
            try await POP3Session.withSession(endpoint: account.endpoint, logger: logger) { session in
                try await signIn(
                    account, first, logger: logger,
                    refusal: { if case POP3Error.authenticationFailed = $0 { true } else { false } },
                    authenticate: { try await session.authenticate($0) },
                    login: { try await session.login(user: account.user, password: $0) })
                return try await body(session)
            }
        }
    }

    /// Logs in with `first`. A refused OAuth2 token (`refusal` says which errors are refusals) is
    /// forgotten; when it was one kept from an earlier connection (it may have expired early or been
    /// revoked: Gmail ends such a session with "BYE ... Session expired"), the login is tried once
    /// more, on the same connection, with a new one.
    static func signIn(
        _ account: AccountConfig, _ first: (token: Secret, cached: Bool), logger: Logger,
        refusal: (any Error) -> Bool,
        authenticate: (SASL) async throws -> Void,
        login: (Secret) async throws -> Void
    ) async throws {
        func attempt(_ secret: Secret) async throws {
            if let sasl = oauth(account, secret) { try await authenticate(sasl) } else { try await login(secret) }
        }
        do {
            try await attempt(first.token)
        } catch where refusal(error) {
            await forget(first.token, of: account)
            guard first.cached else { throw error }
            logger.info("the server refused the kept OAuth2 token; logging in with a new one")
            let renewed = try await credential(account, logger: logger)
            do {
                try await attempt(renewed.token)
            } catch where refusal(error) {
                await forget(renewed.token, of: account)
                throw error
            }
        }
    }

    /// Connections to one server wait for a slot of its `max_connections`.
    static func limited<Result: Sendable>(
        _ account: AccountConfig, counted: Bool = true, _ body: () async throws -> Result
    ) async throws -> Result {
        guard counted else { return try await body() }
        let server = "\(account.endpoint.host):\(account.endpoint.port)"
        return try await ConnectionLimiter.shared.withSlot(server: server, limit: account.maxConnections, body)
    }

    /// The password, or the OAuth2 access token: from the process's token cache while it is fresh.
    /// Resolved per connection, so a password command's or token's change is picked up.
    /// `cached` says the token was kept from an earlier connection (never for a password).
    static func credential(_ account: AccountConfig, logger: Logger) async throws -> (token: Secret, cached: Bool) {
        guard let key = tokenKey(account) else { return (try SecretResolver.resolve(account.secret), false) }
        return try await TokenCache.shared.lookup(key: key) {
            try await SecretResolver.oauthToken(account.secret, logger: logger)
        }
    }

    /// A refused token is not offered again.
    static func forget(_ secret: Secret, of account: AccountConfig) async {
        guard let key = tokenKey(account) else { return }
        await TokenCache.shared.invalidate(key: key, token: secret)
    }

    static func tokenKey(_ account: AccountConfig) -> String? {
        switch account.secret {
        case .tokenCommand(let command): "token_command\u{0}" + command
        case .oauthClient(let client): "token_file\u{0}" + client.tokenFile
        case .environment, .command, .file: nil
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
