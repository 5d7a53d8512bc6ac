import Foundation
import MailTransport
import TestSupport
import Testing

@testable import Engine

struct ProviderPresetTests {
    static func account(_ keys: String) throws(ConfigError) -> AccountConfig {
        let file = try JobFile.parse("[accounts.a]\nuser = \"alice@example.com\"\n" + keys, path: "/etc/jobs.toml")
        return file.accounts["a"]!
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var keys: String
        var host: String
        var port: Int
        var tls: TLSMode
        var auth: AuthMethod
        var testDescription: String { keys.replacingOccurrences(of: "\n", with: "; ") }
    }

    @Test(arguments: [
        Case(
            keys: "provider = \"office365\"\ntoken_command = \"t\"", host: "outlook.office365.com", port: 993,
            tls: .implicit, auth: .xoauth2),
        Case(
            keys: "provider = \"office365\"\nprotocol = \"pop3\"\ntoken_command = \"t\"", host: "outlook.office365.com",
            port: 995, tls: .implicit, auth: .xoauth2),
        Case(
            keys: "provider = \"Outlook\"\nauth = \"oauthbearer\"\ntoken_command = \"t\"",
            host: "outlook.office365.com",
            port: 993, tls: .implicit, auth: .oauthbearer),
        Case(
            keys: "provider = \"gmail\"\npassword_env = \"P\"", host: "imap.gmail.com", port: 993, tls: .implicit,
            auth: .plain),
        Case(
            keys: "provider = \"gmail\"\nprotocol = \"pop3\"\npassword_env = \"P\"", host: "pop.gmail.com", port: 995,
            tls: .implicit, auth: .plain),
        Case(
            keys: "provider = \"gmail\"\nauth = \"xoauth2\"\ntoken_command = \"t\"", host: "imap.gmail.com", port: 993,
            tls: .implicit, auth: .xoauth2),
        Case(
            keys: "provider = \"fastmail\"\nprotocol = \"pop3\"\npassword_env = \"P\"", host: "pop.fastmail.com",
            port: 995, tls: .implicit, auth: .plain),
        Case(
            keys: "provider = \"icloud\"\npassword_env = \"P\"", host: "imap.mail.me.com", port: 993, tls: .implicit,
            auth: .plain),
        // Explicit keys beat the preset; an explicit tls brings its own default port.
        Case(
            keys: "provider = \"gmx\"\nhost = \"imap.example.net\"\npassword_env = \"P\"", host: "imap.example.net",
            port: 993, tls: .implicit, auth: .plain),
        Case(
            keys: "provider = \"yahoo\"\nport = 1993\npassword_env = \"P\"", host: "imap.mail.yahoo.com", port: 1993,
            tls: .implicit, auth: .plain),
        Case(
            keys: "provider = \"zoho\"\ntls = \"starttls\"\npassword_env = \"P\"", host: "imap.zoho.com", port: 143,
            tls: .starttls, auth: .plain),
        Case(
            keys: "provider = \"aol\"\nauth = \"login\"\npassword_env = \"P\"", host: "imap.aol.com", port: 993,
            tls: .implicit, auth: .login),
        // A host of one's own lifts the preset's refusal of passwords.
        Case(
            keys: "provider = \"office365\"\nhost = \"exchange.example.com\"\nauth = \"plain\"\npassword_env = \"P\"",
            host: "exchange.example.com", port: 993, tls: .implicit, auth: .plain),
    ])
    func presetsFillWhatTheAccountLeavesOut(_ entry: Case) throws {
        let account = try Self.account(entry.keys)
        #expect(account.endpoint.host == entry.host)
        #expect(account.endpoint.port == entry.port)
        #expect(account.endpoint.tls == entry.tls)
        #expect(account.auth == entry.auth)
        if entry.auth.isOAuth { #expect(account.secret == .tokenCommand("t")) }
    }

    @Test(
        arguments: [
            // (keys, line of the error, words the message must hold)
            (
                "provider = \"hotmale\"\npassword_env = \"P\"", 3,
                ["not a known provider", "office365", "gmail", "fastmail"]
            ),
            ("provider = \"icloud\"\nprotocol = \"pop3\"\npassword_env = \"P\"", 3, ["offers no POP3"]),
            ("provider = \"office365\"\npassword_env = \"P\"", 4, ["does not apply", "token_command"]),
            ("provider = \"office365\"\nauth = \"plain\"\npassword_env = \"P\"", 4, ["refuses passwords", "xoauth2"]),
            ("provider = \"office365\"", 1, ["needs token_command", "OAuth2 only"]),
            ("host = \"h\"\nauth = \"xoauth2\"", 1, ["needs token_command", "auth = \"xoauth2\""]),
            ("host = \"h\"\npassword_env = \"P\"\ntoken_command = \"t\"", 5, ["token_command needs auth"]),
            ("host = \"h\"\nauth = \"cram-md5\"\npassword_env = \"P\"", 4, ["must be \"plain\""]),
        ] as [(String, Int, [String])])
    func badPresetUseIsAConfigErrorWithItsLine(_ keys: String, _ line: Int, _ words: [String]) {
        #expect {
            _ = try Self.account(keys)
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.line == line && words.allSatisfy { error.message.contains($0) }
        }
    }

    @Test func everyPresetIsComplete() {
        #expect(Set(ProviderPreset.all.map(\.name)).count == ProviderPreset.all.count)
        for name in ["office365", "outlook", "gmail", "yahoo", "icloud", "fastmail", "gmx", "zoho", "aol"] {
            #expect(ProviderPreset.named(name) != nil, "\(name)")
        }
        for preset in ProviderPreset.all {
            #expect(preset.imap != nil || preset.pop3 != nil)
            for server in [preset.imap, preset.pop3].compactMap(\.self) {
                #expect(server.tls == .implicit && !server.host.isEmpty, "\(preset.name)")
            }
            #expect(preset.acceptsPasswords || preset.auth.isOAuth)
        }
    }

    @Test func providersCommandListsEveryPreset() async throws {
        let json = try await MailFerryCLI.running(["providers", "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(list.count == ProviderPreset.all.count)
        let office = try #require(list.first { $0["name"] as? String == "office365" })
        #expect((office["pop3"] as? [String: Any])?["port"] as? Int == 995)
        #expect(office["auth"] as? String == "xoauth2" && office["acceptsPasswords"] as? Bool == false)
        let text = try await MailFerryCLI.running(["providers"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("imap.gmail.com:993") && text.stdout.contains("xoauth2 only"))
    }
}
