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
}
