import Foundation
import Logging
import MailTransport

/// An OAuth2 account's own client (`client_id` and the provider's endpoints): tokens come from a
/// token file that `mailferry auth` fills with the device code flow (RFC 8628) and connections
/// refresh (RFC 6749 section 6).
public struct OAuthClient: Sendable, Hashable {
    public var clientID: String
    /// Scopes asked for, space-separated (RFC 6749 section 3.3); nil asks for the client's default.
    public var scope: String?
    /// The device authorization endpoint (RFC 8628 section 3.1); needed by `mailferry auth` only.
    public var deviceEndpoint: String?
    public var tokenEndpoint: String
    /// The owner-only JSON file holding the refresh token and the current access token.
    public var tokenFile: String

    public init(clientID: String, scope: String?, deviceEndpoint: String?, tokenEndpoint: String, tokenFile: String) {
        self.clientID = clientID
        self.scope = scope
        self.deviceEndpoint = deviceEndpoint
        self.tokenEndpoint = tokenEndpoint
        self.tokenFile = tokenFile
    }
}

/// A provider's OAuth2 endpoints, for accounts with a `client_id` of their own.
public struct OAuthEndpoints: Sendable, Hashable, Codable {
    public var device: String
    public var token: String
    public var scope: String
}

/// What the token endpoint or the device flow said no to. Never carries a token.
public struct OAuthError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    /// An RFC 6749 section 5.2 error answer: its `error` code and `error_description`, which carry no
    /// secrets, or the status alone.
    static func from(_ response: HTTPClient.Response, doing what: String) -> OAuthError {
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        guard let code = object?["error"] as? String else {
            return OAuthError(message: "\(what): the server answered HTTP \(response.status)")
        }
        let detail = (object?["error_description"] as? String).map { ": \($0.prefix(300))" } ?? ""
        return OAuthError(message: "\(what): \(code)\(detail)")
    }
}

/// The token file: the refresh token, and the access token with its expiry, as JSON. Written owner-only
/// through a rename, so a reader never sees half of one; read only when nobody else can read it.
public struct OAuthTokenFile: Sendable {
    public var refreshToken: Secret
    public var accessToken: Secret?
    public var expiresAt: Date?

    public init(refreshToken: Secret, accessToken: Secret?, expiresAt: Date?) {
        self.refreshToken = refreshToken
        self.accessToken = accessToken
        self.expiresAt = expiresAt
    }

    public static func load(_ path: String) throws(SecretError) -> OAuthTokenFile {
        guard FileManager.default.fileExists(atPath: path) else {
            throw SecretError(message: "there is no token_file \(path) yet: run mailferry auth for this account first")
        }
        try SecretResolver.checkOwnerOnly(path, key: "token_file")
        guard let data = FileManager.default.contents(atPath: path),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            let refresh = object["refresh_token"] as? String, !refresh.isEmpty
        else {
            throw SecretError(
                message: "token_file \(path) holds no refresh token: run mailferry auth for this account again")
        }
        return OAuthTokenFile(
            refreshToken: Secret(refresh), accessToken: (object["access_token"] as? String).map(Secret.init),
            expiresAt: (object["expires_at"] as? NSNumber).map { Date(timeIntervalSince1970: $0.doubleValue) })
    }

    public func save(_ path: String) throws {
        var object: [String: Any] = ["refresh_token": refreshToken.value]
        if let accessToken { object["access_token"] = accessToken.value }
        if let expiresAt { object["expires_at"] = Int64(expiresAt.timeIntervalSince1970) }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        try OwnerOnlyFile.write(data, to: path)
    }

    /// The access token it holds, while it is fresh.
    func freshAccessToken(now: Date) -> OAuthToken? {
        guard let accessToken, let expiresAt, expiresAt.timeIntervalSince(now) > TokenCache.margin else { return nil }
        return OAuthToken(accessToken: accessToken, expiresAt: expiresAt)
    }
}

extension OAuthClient {
    /// A fresh access token: the token file's own, or a new one from the refresh token (a rotated
    /// refresh token replaces the old one). The file is locked meanwhile, so two processes sharing it
    /// never spend one refresh token twice.
    public func accessToken(logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) async throws -> OAuthToken
    {
        let lock = try FileLock(path: tokenFile + ".lock")
        defer { withExtendedLifetime(lock) {} }
        var file = try OAuthTokenFile.load(tokenFile)
        if let token = file.freshAccessToken(now: now()) { return token }
        var fields = [
            ("grant_type", "refresh_token"), ("refresh_token", file.refreshToken.value), ("client_id", clientID),
        ]
        if let scope { fields.append(("scope", scope)) }
        let response = try await HTTPClient.postForm(tokenEndpoint, fields: fields, logger: logger)
        guard response.status == 200 else {
            var error = OAuthError.from(response, doing: "refreshing the access token at \(tokenEndpoint)")
            if error.message.contains("invalid_grant") {
                error.message += "; run mailferry auth for this account again"
            }
            throw error
        }
        let granted = try TokenGrant(response, endpoint: tokenEndpoint, now: now())
        file.accessToken = granted.token.accessToken
        file.expiresAt = granted.token.expiresAt
        if let rotated = granted.refreshToken { file.refreshToken = rotated }
        do {
            try file.save(tokenFile)
        } catch {
            throw SecretError(message: "cannot write token_file \(tokenFile): \(error.localizedDescription)")
        }
        return granted.token
    }
}

/// A successful token endpoint answer (RFC 6749 section 5.1).
struct TokenGrant {
    var token: OAuthToken
    var refreshToken: Secret?

    init(_ response: HTTPClient.Response, endpoint: String, now: Date) throws(OAuthError) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any],
            let access = object["access_token"] as? String, !access.isEmpty
        else {
            throw OAuthError(message: "\(endpoint) answered without an access_token")
        }
        token = OAuthToken(
            accessToken: Secret(access), expiresAt: OAuthToken.seconds(object["expires_in"]).map(now.addingTimeInterval)
        )
        refreshToken = (object["refresh_token"] as? String).flatMap { $0.isEmpty ? nil : Secret($0) }
    }
}

/// An exclusive flock on a file of its own, held while the value lives; waits for other holders.
final class FileLock {
    let descriptor: Int32

    init(path: String) throws(SecretError) {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw SecretError(message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                close(descriptor)
                throw SecretError(message: "cannot lock \(path): \(String(cString: strerror(errno)))")
            }
        }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
