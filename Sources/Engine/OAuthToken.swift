import Foundation
import MailTransport

/// An OAuth2 access token and the moment it stops working.
public struct OAuthToken: Sendable, Hashable {
    public var accessToken: Secret
    /// Nil when nobody said: such a token is used for the rest of the run.
    public var expiresAt: Date?

    public init(accessToken: Secret, expiresAt: Date?) {
        self.accessToken = accessToken
        self.expiresAt = expiresAt
    }

    /// What a `token_command` printed: a JSON object with `access_token` and, optionally, `expires_in`
    /// (seconds, RFC 6749 section 5.1), or a bare token on the first line. Errors name `what`, never
    /// the output.
    public static func parse(_ data: Data, what: String, now: Date = Date()) throws(SecretError) -> OAuthToken {
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("{") else {
            return OAuthToken(
                accessToken: try SecretResolver.firstLine(data, what: what, noun: "token"), expiresAt: nil)
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw SecretError(message: "\(what) printed something that starts like JSON but is not a JSON object")
        }
        guard let token = object["access_token"] as? String, !token.isEmpty else {
            throw SecretError(message: "\(what) printed a JSON object without an access_token")
        }
        return OAuthToken(
            accessToken: Secret(token), expiresAt: seconds(object["expires_in"]).map(now.addingTimeInterval))
    }

    /// `expires_in` as a number, or as the decimal text some servers send.
    static func seconds(_ value: Any?) -> TimeInterval? {
        if let number = value as? NSNumber, !(value is Bool) { return number.doubleValue }
        if let text = value as? String { return Double(text) }
        return nil
    }
}

/// The access tokens of every connection of the process: a token is fetched once and used until
/// shortly before it expires, so parallel connections and reconnects do not run a `token_command` (or
/// refresh a token file) each time. Callers that ask while a fetch is under way wait for it.
public actor TokenCache {
    public static let shared = TokenCache()
    /// Tokens are renewed this long before they expire, so none runs out during a login.
    public static let margin: TimeInterval = 60

    let now: @Sendable () -> Date
    private var tokens: [String: OAuthToken] = [:]
    private var fetching: [String: Task<OAuthToken, any Error>] = [:]

    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    /// The cached token for `key` while it is fresh, else the one `fetch` gets (and caches).
    public func token(key: String, fetch: @escaping @Sendable () async throws -> OAuthToken) async throws -> Secret {
        try await lookup(key: key, fetch: fetch).token
    }

    /// As `token`, saying whether the token was kept from before (`cached`) rather than fetched for
    /// this call (or by a fetch under way): a server refusing a kept token may only have outlived it.
    public func lookup(
        key: String, fetch: @escaping @Sendable () async throws -> OAuthToken
    ) async throws -> (token: Secret, cached: Bool) {
        if let token = tokens[key], isFresh(token) { return (token.accessToken, true) }
        if let running = fetching[key] { return (try await running.value.accessToken, false) }
        let task = Task { try await fetch() }
        fetching[key] = task
        defer { fetching[key] = nil }
        let token = try await task.value
        tokens[key] = token
        return (token.accessToken, false)
    }

    /// Forgets `token` (a server refused it), so the next connection fetches another.
    public func invalidate(key: String, token: Secret) {
        if tokens[key]?.accessToken == token { tokens[key] = nil }
    }

    func isFresh(_ token: OAuthToken) -> Bool {
        guard let expiresAt = token.expiresAt else { return true }
        return expiresAt.timeIntervalSince(now()) > Self.margin
    }
}
