import Foundation
import IMAPClient
import IMAPCore
import MailTransport
import TestSupport
import Testing

/// TLS modes, STARTTLS policy, credentials and connection failures, against a real Dovecot.
struct ConnectionTests {
    @Test(arguments: [TLSMode.implicit, .starttls, .none])
    func logsInWithEveryTLSMode(tls: TLSMode) async throws {
        try await withServer { server in
            let encrypted = try await server.withSession(tls: tls) { session in
                #expect(session.isAuthenticated)
                #expect(session.hasCapability("IMAP4REV1"))
                // After STARTTLS the capabilities are asked again, and STARTTLS is gone from them.
                if tls != .none { #expect(!session.hasCapability("STARTTLS")) }
                let folders = try await session.listMailboxes()
                #expect(folders.contains { $0.name.isInbox })
                return tls != .none
            }
            #expect(encrypted == (tls != .none))
        }
    }

    @Test func starttlsIsRequiredWhenConfigured() async throws {
        var options = DovecotServer.Options()
        options.starttls = false
        try await withServer(options) { server in
            await #expect {
                try await server.withSession(tls: .starttls) { _ in }
            } throws: { error in
                (error as? IMAPError) == .starttlsNotOffered
            }
        }
    }

    @Test func wrongPasswordIsAnAuthenticationFailure() async throws {
        try await withServer { server in
            await #expect {
                try await IMAPSession.withSession(endpoint: server.endpoint(.implicit), logger: testLogger) { session in
                    try await session.login(user: "alice", password: Secret("wrong-password"))
                }
            } throws: { error in
                guard case .authenticationFailed(let text)? = error as? IMAPError else { return false }
                return !text.contains("wrong-password")
            }
        }
    }

    @Test func untrustedCertificateIsRefused() async throws {
        try await withServer { server in
            await #expect {
                try await IMAPSession.withSession(endpoint: server.endpoint(.implicit, trusted: false), logger: testLogger) { _ in }
            } throws: { error in
                guard case .transport(.certificateUntrusted)? = error as? IMAPError else { return false }
                return true
            }
        }
    }

    @Test func ipAddressIsVerifiedAgainstTheCertificate() async throws {
        try await withServer { server in
            try await IMAPSession.withSession(endpoint: server.endpoint(.implicit, host: "127.0.0.1"), logger: testLogger) {
                session in
                #expect(session.hasCapability("IMAP4REV1"))
            }
        }
    }

    @Test func refusedPortAndUnknownHost() async throws {
        let port = try LoopbackPorts.unusedPort()
        await #expect {
            try await IMAPSession.withSession(
                endpoint: Endpoint(host: "127.0.0.1", port: port, tls: .none, connectTimeoutSeconds: 5), logger: testLogger
            ) { _ in }
        } throws: { error in
            (error as? IMAPError) == .transport(.connectionRefused(host: "127.0.0.1", port: port))
        }
        await #expect {
            try await IMAPSession.withSession(
                endpoint: Endpoint(host: "no-such-host.invalid", port: 993, tls: .implicit, connectTimeoutSeconds: 5),
                logger: testLogger
            ) { _ in }
        } throws: { error in
            (error as? IMAPError) == .transport(.unknownHost("no-such-host.invalid"))
        }
    }
}
