import MailTransport
import POP3Core

extension POP3Session {
    /// Logs in with a password: SASL PLAIN when offered (RFC 5034), else USER/PASS (RFC 1939 §7),
    /// else APOP when the greeting carries a timestamp and nothing else is possible.
    public func login(user: String, password: Secret) async throws {
        if capabilities.saslMechanisms.contains("PLAIN") {
            try await authenticate(.plain(user: user, password: password))
        } else if !answersCAPA || capabilities.contains("USER") {
            do {
                try await userPass(user: user, password: password)
            } catch POP3Error.commandFailed(command: "USER", _, _) where apopTimestamp != nil {
                try await apop(user: user, password: password)
            }
        } else if apopTimestamp != nil {
            try await apop(user: user, password: password)
        } else {
            throw POP3Error.noUsableLogin
        }
    }

    /// The greeting's APOP timestamp, when it has one.
    var apopTimestamp: String? { APOPDigest.timestamp(inGreeting: greeting) }

    func userPass(user: String, password: Secret) async throws {
        try await simple(.user(user))
        try await send(.pass(password.value))
        try await finishAuthentication()
    }

    /// APOP: the password never crosses the wire, only a digest of it and the greeting's timestamp.
    public func apop(user: String, password: Secret) async throws {
        guard let stamp = apopTimestamp else { throw POP3Error.mechanismNotOffered("APOP") }
        try await send(.apop(user: user, digest: APOPDigest.digest(timestamp: stamp, secret: password.value)))
        try await finishAuthentication()
    }

    /// AUTH with a SASL mechanism (PLAIN, XOAUTH2, OAUTHBEARER), the initial response on the
    /// command line when it fits in RFC 5034's 255 octets, else after the server's "+".
    public func authenticate(_ sasl: SASL) async throws {
        guard capabilities.saslMechanisms.contains(sasl.mechanism) else {
            throw POP3Error.mechanismNotOffered(sasl.mechanism)
        }
        let response = sasl.initialResponse
        if "AUTH \(sasl.mechanism) \(response)\r\n".utf8.count <= 255 {
            try await send(.auth(mechanism: sasl.mechanism, initialResponse: response))
        } else {
            try await send(.auth(mechanism: sasl.mechanism, initialResponse: nil))
            switch try await readStatus() {
            case .continuation: try await send(.saslResponse(response))
            case .ok: throw POP3Error.protocolViolation("AUTH succeeded before any credentials were sent")
            case .err(_, let text): throw POP3Error.authenticationFailed(text)
            }
        }
        try await finishAuthentication()
    }

    func finishAuthentication() async throws {
        while true {
            switch try await readStatus() {
            case .ok:
                isAuthenticated = true
                // Some servers list more (or fewer) capabilities once logged in (RFC 2449 §5).
                if answersCAPA { try await refreshCapabilities() }
                return
            case .err(let code, let text):
                throw POP3Error.authenticationFailed(code.map { "[\($0)] \(text)" } ?? text)
            case .continuation:
                // A SASL error challenge (XOAUTH2 sends JSON): answer empty to get the -ERR.
                try await send(.saslResponse(""))
            }
        }
    }
}
