import Foundation
import MailTransport
import Testing

@testable import Engine

/// The POP3 keys of an account: keep_on_server, max_messages, max_bytes; and the timeouts.
struct POP3JobFileTests {
    static func account(_ keys: String, protocol name: String = "pop3") throws -> AccountConfig {
        let text = "[accounts.isp]\nprotocol = \"\(name)\"\nhost = \"pop.example.net\"\nuser = \"u\"\npassword_env = \"P\"\n" + keys
        return try #require(try JobFile.parse(text, path: "jobs.toml").accounts["isp"])
    }

    @Test func defaultsKeepEverythingOnPort995() throws {
        let account = try Self.account("")
        #expect(account.mailProtocol == .pop3)
        #expect(account.endpoint.port == 995 && account.endpoint.tls == .implicit)
        #expect(account.pop3 == POP3Policy(keepOnServer: .always))
        #expect(try Self.account("tls = \"starttls\"\n").endpoint.port == 110)
    }

    @Test func policies() throws {
        #expect(try Self.account("keep_on_server = true\n").pop3.keepOnServer == .always)
        #expect(try Self.account("keep_on_server = false\n").pop3.keepOnServer == .never)
        #expect(try Self.account("keep_on_server = { delete_after_days = 30 }\n").pop3.keepOnServer == .days(30))
        let limited = try Self.account("max_messages = 500\nmax_bytes = \"200MB\"\n").pop3
        #expect(limited.maxMessages == 500 && limited.maxBytes == 200_000_000)
        #expect(try Self.account("max_bytes = 1048576\n").pop3.maxBytes == 1 << 20)
        #expect(try Self.account("max_bytes = \"2 GiB\"\n").pop3.maxBytes == 2 << 30)
    }

    @Test func timeouts() throws {
        let defaults = try Self.account("").endpoint
        #expect(defaults.connectTimeoutSeconds == 20 && defaults.readTimeoutSeconds == 120)
        let set = try Self.account("connect_timeout = 5\nread_timeout = 2\n").endpoint
        #expect(set.connectTimeoutSeconds == 5 && set.readTimeoutSeconds == 2)
        #expect(try Self.account("read_timeout = 30\n", protocol: "imap").endpoint.readTimeoutSeconds == 30)
    }

    @Test(arguments: [
        ("keep_on_server = \"no\"\n", "pop3", 6, "must be true, false or { delete_after_days = N }"),
        ("keep_on_server = { delete_after_day = 3 }\n", "pop3", 6, "unknown key \"delete_after_day\""),
        ("keep_on_server = { delete_after_days = -1 }\n", "pop3", 6, "0 or more"),
        ("max_messages = 0\n", "pop3", 6, "at least 1"),
        ("max_bytes = \"lots\"\n", "pop3", 6, "a size like"),
        ("keep_on_server = false\n", "imap", 6, "applies to POP3 accounts only"),
        ("max_bytes = 10\n", "imap", 6, "applies to POP3 accounts only"),
        ("read_timeout = 0\n", "pop3", 6, "seconds from 1 to 3600"),
        ("connect_timeout = \"5s\"\n", "pop3", 6, "must be an integer"),
    ])
    func rejectsWithTheLine(keys: String, protocol name: String, line: Int, message: String) {
        #expect {
            _ = try Self.account(keys, protocol: name)
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.line == line && error.message.contains(message)
        }
    }
}
