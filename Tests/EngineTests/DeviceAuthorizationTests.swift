import Engine
import Foundation
import Logging
import MailTransport
import TestSupport
import Testing

/// `mailferry auth`'s device code flow (RFC 8628) and the refresh of a token file's access token
/// (RFC 6749 section 6), against a scripted loopback endpoint: no real authorization server can be
/// installed here. Waits are recorded, not slept.
struct DeviceAuthorizationTests {
    static let logger = Logger(label: "test")

    /// A temp token file path and its folder.
    static func tokenFile() throws -> (path: String, directory: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("oauth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return (directory.appendingPathComponent("cloud.oauth-token.json").path, directory)
    }

    static func client(_ server: ScriptedHTTPServer, file: String) -> OAuthClient {
        OAuthClient(
            clientID: "client-42", scope: "imap offline_access", deviceEndpoint: server.url + "/device",
            tokenEndpoint: server.url + "/oauth/token", tokenFile: file)
    }

    static let deviceAnswer = ScriptedHTTPServer.Reply(
        json:
            #"{"device_code":"dc-77","user_code":"WDJB-MJHT","verification_uri":"https://example.com/device","verification_uri_complete":"https://example.com/device?code=WDJB-MJHT","expires_in":600,"interval":2}"#
    )

    /// Answers the token endpoint's polls with `answers` in turn.
    static func server(polls answers: [ScriptedHTTPServer.Reply]) throws -> ScriptedHTTPServer {
        let polls = TestBox(0)
        return try ScriptedHTTPServer { request in
            if request.path == "/device" { return deviceAnswer }
            let index = polls.withLock { count in
                defer { count += 1 }
                return count
            }
            return answers[min(index, answers.count - 1)]
        }
    }

    static func error(_ code: String) -> ScriptedHTTPServer.Reply {
        ScriptedHTTPServer.Reply(status: 400, json: #"{"error":"\#(code)"}"#)
    }

    @Test func pollsUntilSignedInHonouringIntervalAndSlowDown() async throws {
        let server = try Self.server(polls: [
            // The third answers pending with 200, as some servers do.
            Self.error("authorization_pending"), Self.error("slow_down"),
            ScriptedHTTPServer.Reply(json: #"{"error":"authorization_pending"}"#),
            ScriptedHTTPServer.Reply(
                json:
                    #"{"access_token":"at-secret-1","refresh_token":"rt-secret-1","expires_in":3600,"token_type":"Bearer"}"#,
                chunked: true),
        ])
        defer { server.stop() }
        let (file, directory) = try Self.tokenFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        let waits = TestBox([Double]())
        let prompts = TestBox([DeviceAuthorization.Prompt]())
        try await DeviceAuthorization(
            client: Self.client(server, file: file),
            sleep: { seconds in
                waits.withLock { $0.append(seconds) }
            }
        ).run(logger: Self.logger) { prompt in prompts.withLock { $0.append(prompt) } }

        #expect(waits.withLock { $0 } == [2, 2, 7, 7])
        let prompt = try #require(prompts.withLock { $0.first })
        #expect(prompt.userCode == "WDJB-MJHT" && prompt.verificationURI == "https://example.com/device")
        #expect(prompt.verificationURIComplete == "https://example.com/device?code=WDJB-MJHT")
        let requests = server.requests
        #expect(requests.first?.form == ["client_id": "client-42", "scope": "imap offline_access"])
        #expect(
            requests.dropFirst().allSatisfy {
                $0.path == "/oauth/token" && $0.method == "POST"
                    && $0.form == [
                        "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": "dc-77",
                        "client_id": "client-42",
                    ]
            })
        var info = stat()
        #expect(stat(file, &info) == 0 && info.st_mode & 0o777 == 0o600)
        let stored = try OAuthTokenFile.load(file)
        #expect(stored.refreshToken.value == "rt-secret-1" && stored.accessToken?.value == "at-secret-1")
    }

    @Test(arguments: [
        (error("expired_token"), "the code expired before the sign-in was completed"),
        (error("access_denied"), "the sign-in was declined"),
        (error("invalid_client"), "waiting for the sign-in at http://127.0.0.1"),
        (ScriptedHTTPServer.Reply(json: #"{"access_token":"at-1","expires_in":60}"#), "gave no refresh token: add offline_access"),
    ])
    func aRefusalEndsTheFlowClearly(_ answer: ScriptedHTTPServer.Reply, _ message: String) async throws {
        let server = try Self.server(polls: [Self.error("authorization_pending"), answer])
        defer { server.stop() }
        let (file, directory) = try Self.tokenFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        await #expect {
            try await DeviceAuthorization(client: Self.client(server, file: file), sleep: { _ in })
                .run(logger: Self.logger) { _ in }
        } throws: { error in
            "\(error)".contains(message) && (!message.contains("waiting") || "\(error)".contains("invalid_client"))
        }
        #expect(!FileManager.default.fileExists(atPath: file))
    }

    @Test func anExpiredAccessTokenIsRefreshedAndARotatedRefreshTokenKept() async throws {
        let server = try ScriptedHTTPServer { request in
            request.form["refresh_token"] == "rt-old"
                ? ScriptedHTTPServer.Reply(
                    json: #"{"access_token":"at-new","refresh_token":"rt-new","expires_in":3600}"#)
                : Self.error("invalid_grant")
        }
        defer { server.stop() }
        let (file, directory) = try Self.tokenFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        try OAuthTokenFile(
            refreshToken: Secret("rt-old"), accessToken: Secret("at-old"), expiresAt: Date(timeIntervalSinceNow: 30)
        )
        .save(file)
        let client = Self.client(server, file: file)
        #expect(try await client.accessToken(logger: Self.logger).accessToken.value == "at-new")
        #expect(
            server.requests.map(\.form) == [
                [
                    "grant_type": "refresh_token", "refresh_token": "rt-old", "client_id": "client-42",
                    "scope": "imap offline_access",
                ]
            ])
        let stored = try OAuthTokenFile.load(file)
        #expect(stored.refreshToken.value == "rt-new" && stored.accessToken?.value == "at-new")
        var info = stat()
        #expect(stat(file, &info) == 0 && info.st_mode & 0o777 == 0o600)
        // Fresh now: no second request.
        #expect(try await client.accessToken(logger: Self.logger).accessToken.value == "at-new")
        #expect(server.requests.count == 1)

        // A refresh token the server no longer takes: sign in again, says the error, without the token.
        try OAuthTokenFile(refreshToken: Secret("rt-revoked"), accessToken: nil, expiresAt: nil).save(file)
        await #expect {
            try await client.accessToken(logger: Self.logger)
        } throws: { error in
            "\(error)".contains("invalid_grant") && "\(error)".contains("run mailferry auth")
                && !"\(error)".contains("rt-revoked")
        }
    }

    @Test func aTokenFileOthersCanReadIsRefused() throws {
        let (file, directory) = try Self.tokenFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        try OAuthTokenFile(refreshToken: Secret("rt-1"), accessToken: nil, expiresAt: nil).save(file)
        chmod(file, 0o640)
        #expect {
            try OAuthTokenFile.load(file)
        } throws: { error in
            "\(error)".contains("readable by others") && !"\(error)".contains("rt-1")
        }
        #expect {
            try OAuthTokenFile.load(file + ".missing")
        } throws: { error in
            "\(error)".contains("run mailferry auth for this account first")
        }
    }

    @Test func tokenEndpointsMustBeHTTPSExceptOnLoopback() throws {
        #expect(try HTTPClient.target("https://login.example.com/oauth2/token?x=1").path == "/oauth2/token?x=1")
        #expect(try HTTPClient.target("https://login.example.com:8443/t").endpoint.port == 8443)
        #expect(try HTTPClient.target("http://127.0.0.1:8080/t").endpoint.tls == .none)
        #expect(throws: HTTPError.self) { try HTTPClient.target("http://login.example.com/token") }
        #expect(throws: HTTPError.self) { try HTTPClient.target("ftp://login.example.com/token") }
        let text = """
            [accounts.cloud]
            host = "imap.example.com"
            user = "u"
            auth = "xoauth2"
            client_id = "c"
            token_endpoint = "http://auth.example.com/token"
            """
        #expect {
            try JobFile.parse(text, path: "/etc/mailferry/jobs.toml")
        } throws: { error in
            "\(error)".contains(
                "jobs.toml:6: accounts.cloud.token_endpoint http://auth.example.com/token is not an https:// URL")
        }
    }

    @Test func accountsWithAClientIDGetTheProvidersEndpointsAndATokenFileBesideTheJobFile() throws {
        let jobs = try JobFile.parse(
            """
            [accounts.m365]
            provider = "office365"
            user = "alice@contoso.com"
            client_id = "00000000-aaaa-bbbb-cccc-000000000000"

            [accounts.own]
            host = "imap.example.com"
            user = "u"
            auth = "oauthbearer"
            client_id = "c"
            device_endpoint = "https://auth.example.com/device"
            token_endpoint = "https://auth.example.com/token"
            scope = "mail"
            token_file = "tokens/own.json"
            """, path: "/etc/mailferry/jobs.toml")
        guard case .oauthClient(let m365) = jobs.accounts["m365"]?.secret,
            case .oauthClient(let own) = jobs.accounts["own"]?.secret
        else {
            Issue.record("not OAuth clients")
            return
        }
        #expect(m365.tokenEndpoint == "https://login.microsoftonline.com/common/oauth2/v2.0/token")
        #expect(m365.deviceEndpoint == "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode")
        #expect(m365.scope?.contains("offline_access") == true)
        #expect(m365.tokenFile == "/etc/mailferry/m365.oauth-token.json")
        #expect(own.tokenFile == "/etc/mailferry/tokens/own.json" && own.scope == "mail")
        #expect(own.deviceEndpoint == "https://auth.example.com/device")

        for (keys, message) in [
            ("client_id = \"c\"\ntoken_command = \"t\"", "token_command and client_id cannot both be given"),
            ("client_id = \"c\"", "needs token_endpoint"),
            ("token_command = \"t\"\ntoken_file = \"f\"", "token_file needs client_id"),
        ] {
            #expect {
                try JobFile.parse(
                    "[accounts.x]\nhost = \"h\"\nuser = \"u\"\nauth = \"xoauth2\"\n\(keys)\n", path: "/j.toml")
            } throws: { error in
                "\(error)".contains(message)
            }
        }
    }

    @Test func authNeedsAnAccountWithAClientID() async throws {
        let fixture = try ScriptedJobFile(port: 1, keys: "auth = \"xoauth2\"\ntoken_command = \"echo t\"")
        defer { fixture.remove() }
        let result = try await MailFerryCLI.running(["auth", "cloud", "--config", fixture.jobs])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("account \"cloud\" has no client_id"), "\(result.stderr)")
    }

    /// One token file holds one user's tokens: batch rows of such a template need token commands.
    @Test func batchRowsOfAClientIDAccountNeedTheirOwnTokenCommand() throws {
        let jobs = try JobFile.parse(
            """
            [accounts.m365]
            provider = "office365"
            user = "template"
            client_id = "c"

            [[jobs]]
            name = "keep"
            backup = "m365"
            into = "/srv/b"
            """, path: "/srv/jobs.toml")
        let batch = try MailboxBatch.parse("source_user,source_secret\nann,\nbob,cmd:token bob\n", path: "/srv/m.csv")
        #expect {
            try MailboxBatch.job(for: batch.rows[0], template: jobs.jobs[0], in: jobs)
        } throws: { error in
            "\(error)".contains("line 2 of the batch: the template account keeps one user's tokens")
        }
        let (_, source, _) = try MailboxBatch.job(for: batch.rows[1], template: jobs.jobs[0], in: jobs)
        #expect(source.secret == .tokenCommand("token bob"))
    }
}
