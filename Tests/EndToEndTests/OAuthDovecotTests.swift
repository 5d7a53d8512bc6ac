import Foundation
import TestSupport
import Testing

/// OAuth2 logins against Dovecot's `oauth2` passdb, which validates HS256 JWTs locally with a key in
/// the server's temp directory. The token command is a small Python script that mints a fresh,
/// short-lived token per connection, as a real helper would fetch one.
struct OAuthDovecotTests {
    static let key = "mailferry-test-hs256-key-0123456789"

    /// A token minter: `python3 mint.py KEYFILE USER` prints a JWT for USER valid for five minutes.
    static let minter = """
        import base64, hashlib, hmac, json, sys, time
        def b64(data):
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
        key = open(sys.argv[1], "rb").read().strip()
        now = int(time.time())
        header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        claims = {"sub": sys.argv[2], "email": sys.argv[2], "iat": now, "nbf": now, "exp": now + 300}
        body = b64(json.dumps(claims).encode())
        signature = b64(hmac.new(key, (header + "." + body).encode(), hashlib.sha256).digest())
        print(header + "." + body + "." + signature)
        """

    func setUp(_ jobs: JobDirectory, key: String) throws -> String {
        _ = try jobs.write(Self.minter, name: "mint.py")
        let keyFile = try jobs.write(key + "\n", name: "oauth-key")
        chmod(keyFile, 0o600)
        return "python3 \(jobs.url.appendingPathComponent("mint.py").path) \(keyFile) alice"
    }

    func accountTOML(_ server: DovecotServer, auth: String, tokenCommand: String, protocol mailProtocol: String)
        -> String
    {
        """
        [accounts.cloud]
        protocol = "\(mailProtocol)"
        host = "localhost"
        port = \(mailProtocol == "pop3" ? server.pop3sPort : server.imapsPort)
        ca_file = "\(server.caCertificatePath)"
        user = "alice"
        auth = "\(auth)"
        token_command = "\(tokenCommand)"

        """
    }

    @Test(arguments: [("imap", "xoauth2"), ("imap", "oauthbearer"), ("pop3", "xoauth2"), ("pop3", "oauthbearer")])
    func aMintedTokenLogsIn(_ mailProtocol: String, _ auth: String) async throws {
        var options = DovecotServer.Options()
        options.oauth2Key = Self.key
        let server = try await DovecotServer.started(options)
        let jobs = try JobDirectory()
        defer { jobs.remove() }
        var generator = CorpusGenerator(seed: 11)
        try server.deliver(
            user: "alice", folder: "INBOX", messages: (0..<3).map { _ in generator.message(ofSize: 800) })
        let command = try setUp(jobs, key: Self.key)
        let backup = jobs.url.appendingPathComponent("backup").path
        let path = try jobs.write(
            accountTOML(server, auth: auth, tokenCommand: command, protocol: mailProtocol) + """
                [[jobs]]
                name = "nightly"
                backup = "cloud"
                into = "\(backup)"
                """)
        // No password anywhere: the environment has none and the passwd-file passdb is not asked.
        let run = try await MailFerryCLI.running(["run", path])
        #expect(run.status == 0, "\(run.stderr)\n\(server.logTail())")
        #expect(run.stdout.contains("nightly: success: 3 new messages"), "\(run.stdout)")
        await server.stopped()
    }

    @Test func aTokenSignedWithAnotherKeyIsRefused() async throws {
        var options = DovecotServer.Options()
        options.oauth2Key = Self.key
        let server = try await DovecotServer.started(options)
        let jobs = try JobDirectory()
        defer { jobs.remove() }
        let command = try setUp(jobs, key: "some-other-key")
        let path = try jobs.write(accountTOML(server, auth: "xoauth2", tokenCommand: command, protocol: "imap"))
        let check = try await MailFerryCLI.running(["check", path, "cloud"])
        #expect(check.status == 3, "\(check.stderr)")
        #expect(!check.stderr.contains("eyJ"), "no token in the message")
        await server.stopped()
    }

    /// A JWT for `user` from the minter, signed with the server's key.
    func mint(_ jobs: JobDirectory, user: String) throws -> String {
        let command = try setUp(jobs, key: Self.key)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command.replacingOccurrences(of: " alice", with: " \(user)")]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `mailferry auth` signs in through a (scripted) device authorization endpoint and keeps the
    /// refresh token owner-only; the run then refreshes the expiring access token with it, keeps the
    /// rotated refresh token, and the refreshed token logs in to Dovecot.
    @Test func theDeviceFlowsTokenLogsIn() async throws {
        var options = DovecotServer.Options()
        options.oauth2Key = Self.key
        let server = try await DovecotServer.started(options)
        let jobs = try JobDirectory()
        defer { jobs.remove() }
        var generator = CorpusGenerator(seed: 12)
        try server.deliver(
            user: "alice", folder: "INBOX", messages: (0..<3).map { _ in generator.message(ofSize: 800) })
        let first = try mint(jobs, user: "alice")
        let second = try mint(jobs, user: "alice")
        let polls = TokenPolls()
        let endpoint = try ScriptedHTTPServer { request in
            switch (request.path, request.form["grant_type"]) {
            case ("/devicecode", _):
                return .init(
                    json: #"{"device_code":"dc-1","user_code":"MFRY-2026","verification_uri":"https://login.example/device","expires_in":900,"interval":1}"#)
            case ("/token", "urn:ietf:params:oauth:grant-type:device_code"):
                guard polls.next() > 0 else { return .init(status: 400, json: #"{"error":"authorization_pending"}"#) }
                // Expires within the refresh margin: the run must refresh it.
                return .init(json: #"{"access_token":"\#(first)","refresh_token":"rt-first-77","expires_in":30}"#)
            case ("/token", "refresh_token") where request.form["refresh_token"] == "rt-first-77":
                return .init(
                    json: #"{"access_token":"\#(second)","refresh_token":"rt-second-88","expires_in":300}"#, chunked: true)
            default:
                return .init(status: 400, json: #"{"error":"invalid_grant"}"#)
            }
        }
        defer { endpoint.stop() }
        let backup = jobs.url.appendingPathComponent("backup").path
        let path = try jobs.write(
            """
            [accounts.cloud]
            host = "localhost"
            port = \(server.imapsPort)
            ca_file = "\(server.caCertificatePath)"
            user = "alice"
            auth = "xoauth2"
            client_id = "mailferry-test"
            scope = "imap offline_access"
            device_endpoint = "\(endpoint.url)/devicecode"
            token_endpoint = "\(endpoint.url)/token"

            [[jobs]]
            name = "nightly"
            backup = "cloud"
            into = "\(backup)"
            """)
        let auth = try await MailFerryCLI.running(["auth", "cloud", "--config", path])
        #expect(auth.status == 0, "\(auth.stderr)")
        #expect(auth.stdout.contains("open https://login.example/device and enter the code MFRY-2026"), "\(auth.stdout)")
        let tokenFile = jobs.url.appendingPathComponent("cloud.oauth-token.json").path
        var info = stat()
        #expect(stat(tokenFile, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(try String(contentsOfFile: tokenFile, encoding: .utf8).contains("rt-first-77"))

        let run = try await MailFerryCLI.running(["run", path])
        #expect(run.status == 0, "\(run.stderr)\n\(server.logTail())")
        #expect(run.stdout.contains("nightly: success: 3 new messages"), "\(run.stdout)")
        let stored = try String(contentsOfFile: tokenFile, encoding: .utf8)
        #expect(stored.contains("rt-second-88") && stored.contains(second) && !stored.contains("rt-first-77"))
        #expect(stat(tokenFile, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(endpoint.requests.last?.form["grant_type"] == "refresh_token")
        for output in [auth.stdout, auth.stderr, run.stdout, run.stderr] {
            #expect(!output.contains("rt-first") && !output.contains("rt-second") && !output.contains("eyJ"))
        }
        await server.stopped()
    }
}

/// Counts the token endpoint's device-code polls.
final class TokenPolls: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    /// The number of polls before this one.
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        defer { count += 1 }
        return count
    }
}
