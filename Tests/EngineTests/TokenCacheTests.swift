import Engine
import Foundation
import MailTransport
import TestSupport
import Testing

/// `token_command` output (a JSON object with an expiry, or a bare token) and the process-wide cache
/// that keeps parallel connections and reconnects from running the command again.
struct TokenCacheTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aJSONObjectGivesTheTokenAndItsExpiry() throws {
        let token = try OAuthToken.parse(
            Data(#"{"access_token": "at-1", "expires_in": 3599, "token_type": "Bearer"}"#.utf8), what: "token_command",
            now: Self.now)
        #expect(token.accessToken.value == "at-1")
        #expect(token.expiresAt == Self.now.addingTimeInterval(3599))
        let text = try OAuthToken.parse(
            Data(#"{"access_token":"at-2","expires_in":"60"}"#.utf8), what: "t", now: Self.now)
        #expect(text.expiresAt == Self.now.addingTimeInterval(60))
    }

    @Test func aBareTokenHasNoExpiry() throws {
        let token = try OAuthToken.parse(Data("ya29.bare\nignored\n".utf8), what: "token_command")
        #expect(token.accessToken.value == "ya29.bare" && token.expiresAt == nil)
    }

    @Test(arguments: [
        (#"{"token": "tok-secret-1"}"#, "without an access_token"),
        (#"{"access_token": "tok-secret-1""#, "not a JSON object"),
        (#"{"access_token": ""}"#, "without an access_token"),
    ])
    func badJSONIsAClearErrorWithoutTheOutput(_ output: String, _ message: String) {
        #expect {
            try OAuthToken.parse(Data(output.utf8), what: "token_command")
        } throws: { error in
            "\(error)".contains("token_command printed") && "\(error)".contains(message)
                && !"\(error)".contains("tok-secret-1")
        }
    }

    @Test func aFreshTokenIsFetchedOnceForConcurrentCallers() async throws {
        let fetches = TestBox(0)
        let cache = TokenCache(now: { Self.now })
        let tokens = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await cache.token(key: "k") {
                        fetches.withLock { $0 += 1 }
                        try await Task.sleep(for: .milliseconds(50))
                        return OAuthToken(accessToken: Secret("t"), expiresAt: Self.now.addingTimeInterval(3600))
                    }.value
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(tokens == Array(repeating: "t", count: 8))
        #expect(fetches.withLock { $0 } == 1)
    }

    @Test func aTokenNearItsExpiryIsFetchedAgain() async throws {
        let clock = TestBox(Self.now)
        let cache = TokenCache(now: { clock.withLock { $0 } })
        let fetches = TestBox(0)
        let fetch: @Sendable () async throws -> OAuthToken = {
            let n = fetches.withLock { count in
                count += 1
                return count
            }
            return OAuthToken(accessToken: Secret("t\(n)"), expiresAt: clock.withLock { $0 }.addingTimeInterval(600))
        }
        #expect(try await cache.token(key: "k", fetch: fetch).value == "t1")
        clock.withLock { $0 = $0.addingTimeInterval(500) }
        #expect(try await cache.token(key: "k", fetch: fetch).value == "t1")
        clock.withLock { $0 = $0.addingTimeInterval(60) }
        #expect(try await cache.token(key: "k", fetch: fetch).value == "t2", "within the margin of its expiry")
        await cache.invalidate(key: "k", token: Secret("t2"))
        #expect(try await cache.token(key: "k", fetch: fetch).value == "t3", "a refused token is not reused")
    }

    @Test func aFailedFetchIsNotCached() async throws {
        let cache = TokenCache()
        await #expect(throws: SecretError.self) {
            try await cache.token(key: "k") { throw SecretError(message: "no") }
        }
        #expect(try await cache.token(key: "k") { OAuthToken(accessToken: Secret("ok"), expiresAt: nil) }.value == "ok")
    }

    /// Two jobs of one account in one run: the command runs once while its token is fresh, again when
    /// the token it printed expires within the margin, and again after a server refused the token.
    @Test(arguments: [
        (#"{\"access_token\":\"tok-1\",\"expires_in\":3600}"#, false, 1),
        ("tok-1", false, 1),
        (#"{\"access_token\":\"tok-1\",\"expires_in\":30}"#, false, 2),
        (#"{\"access_token\":\"tok-1\",\"expires_in\":3600}"#, true, 2),
    ])
    func theTokenCommandRunsOncePerToken(_ output: String, _ reject: Bool, _ runs: Int) async throws {
        let server = try OAuthTokenTests.imapServer(capabilities: "AUTH=XOAUTH2 SASL-IR", reject: reject)
        defer { server.stop() }
        let count = FileManager.default.temporaryDirectory.appendingPathComponent("token-runs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: count) }
        let command = "echo run >> \(count.path); printf '%s\\\\n' '\(output)'"
        let fixture = try ScriptedJobFile(
            port: server.port, keys: "auth = \"xoauth2\"\ntoken_command = \"\(command)\"",
            more: "\n[[jobs]]\nname = \"again\"\nbackup = \"cloud\"\ninto = \"backup2\"\n")
        defer { fixture.remove() }
        let result = try await MailFerryCLI.running(["run", fixture.jobs])
        #expect(result.status == (reject ? 3 : 0), "\(result.stderr)")
        let lines = (try? String(contentsOf: count, encoding: .utf8))?.split(separator: "\n").count
        #expect(lines == runs)
        #expect(server.connectionCount == 2)
        #expect(!result.stdout.contains("tok-1") && !result.stderr.contains("tok-1"))
    }
}

/// A value shared between a test and the closures it hands out.
final class TestBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
