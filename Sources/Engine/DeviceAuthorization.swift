import Foundation
import Logging
import MailTransport

/// The OAuth2 device authorization grant (RFC 8628): asks for a user code, lets the user sign in on
/// any device, polls the token endpoint until they have, and stores the refresh token in the
/// account's token file.
public struct DeviceAuthorization: Sendable {
    /// What the user must do (RFC 8628 section 3.2).
    public struct Prompt: Sendable {
        public var userCode: String
        public var verificationURI: String
        /// The URI with the code in it, when the server offers one.
        public var verificationURIComplete: String?
        /// Seconds until the code expires.
        public var expiresIn: Double
    }

    public var client: OAuthClient
    /// Waits between polls; tests pass one that only records the wait.
    public var sleep: @Sendable (Double) async throws -> Void
    public var now: @Sendable () -> Date

    public init(
        client: OAuthClient,
        sleep: @escaping @Sendable (Double) async throws -> Void = { try await Task.sleep(for: .seconds($0)) },
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.client = client
        self.sleep = sleep
        self.now = now
    }

    /// Runs the flow and writes the token file; `prompt` shows the user what to do.
    public func run(logger: Logger, prompt: @Sendable (Prompt) -> Void) async throws {
        guard let deviceEndpoint = client.deviceEndpoint else {
            throw OAuthError(
                message:
                    "no device_endpoint: set it (and token_endpoint) in the account, or use a provider that has them")
        }
        var fields = [("client_id", client.clientID)]
        if let scope = client.scope { fields.append(("scope", scope)) }
        let response = try await HTTPClient.postForm(deviceEndpoint, fields: fields, logger: logger)
        guard response.status == 200 else {
            throw OAuthError.from(response, doing: "asking \(deviceEndpoint) for a device code")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any],
            let deviceCode = object["device_code"] as? String, let userCode = object["user_code"] as? String,
            let uri = (object["verification_uri"] ?? object["verification_url"]) as? String
        else {
            throw OAuthError(message: "\(deviceEndpoint) answered without device_code, user_code and verification_uri")
        }
        let expiresIn = OAuthToken.seconds(object["expires_in"]) ?? 900
        prompt(
            Prompt(
                userCode: userCode, verificationURI: uri,
                verificationURIComplete: object["verification_uri_complete"] as? String, expiresIn: expiresIn))
        // RFC 8628 section 3.5: 5 seconds when the server names no interval; never less than a second.
        var interval = max(1, OAuthToken.seconds(object["interval"]) ?? 5)
        let deadline = now().addingTimeInterval(expiresIn)
        while true {
            try await sleep(interval)
            guard now() < deadline else { throw Self.expired }
            let answer = try await HTTPClient.postForm(
                client.tokenEndpoint,
                fields: [
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), ("device_code", deviceCode),
                    ("client_id", client.clientID),
                ], logger: logger)
            let object = (try? JSONSerialization.jsonObject(with: Data(answer.body))) as? [String: Any]
            // Some servers answer a pending poll with 200 and an error object instead of RFC 6749's 400.
            if answer.status == 200, object?["error"] == nil {
                let grant = try TokenGrant(answer, endpoint: client.tokenEndpoint, now: now())
                guard let refresh = grant.refreshToken else {
                    throw OAuthError(
                        message:
                            "\(client.tokenEndpoint) gave no refresh token: add offline_access (or the provider's equivalent) to scope"
                    )
                }
                let file = OAuthTokenFile(
                    refreshToken: refresh, accessToken: grant.token.accessToken, expiresAt: grant.token.expiresAt)
                do {
                    try file.save(client.tokenFile)
                } catch {
                    throw SecretError(
                        message: "cannot write token_file \(client.tokenFile): \(error.localizedDescription)")
                }
                return
            }
            switch object?["error"] as? String {
            case "authorization_pending": continue
            case "slow_down": interval += 5
            case "expired_token": throw Self.expired
            case "access_denied": throw OAuthError(message: "the sign-in was declined (access_denied)")
            default: throw OAuthError.from(answer, doing: "waiting for the sign-in at \(client.tokenEndpoint)")
            }
        }
    }

    static let expired = OAuthError(
        message: "the code expired before the sign-in was completed: run mailferry auth again")
}
