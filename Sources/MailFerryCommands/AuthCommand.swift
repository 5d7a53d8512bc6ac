import ArgumentParser
import Engine
import Foundation

/// `mailferry auth ACCOUNT --config JOBFILE`: signs an OAuth2 account in with the device code flow and
/// keeps its refresh token in the account's token file.
struct AuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth",
        abstract: "Sign an OAuth2 account in (device code flow) and keep its refresh token in its token_file.",
        discussion: """
            The account needs auth = "xoauth2" or "oauthbearer" and a client_id (an application you \
            registered with the provider); the provider preset supplies the endpoints and scopes, or \
            device_endpoint, token_endpoint and scope say them. Open the address shown on any device, \
            enter the code, and sign in; the refresh token is written, owner-only, to token_file \
            (default: ACCOUNT.oauth-token.json beside the job file). Runs then refresh the access \
            token from it. \(ExitStatus.documentation)
            """
    )

    @Argument(help: "The account name, as in [accounts.NAME].") var account: String
    @Option(name: .long, help: "The job file (TOML).") var config: String
    @OptionGroup var output: OutputOptions

    func run() async throws {
        do {
            let account = try JobFile.load(path: config).account(named: account)
            guard case .oauthClient(let client) = account.secret else {
                throw ConfigError(
                    file: config, line: nil,
                    message:
                        "account \"\(account.name)\" has no client_id: mailferry auth signs in OAuth2 accounts with a client_id of their own"
                )
            }
            let json = output.json
            try await DeviceAuthorization(client: client).run(logger: output.makeLogger()) { prompt in
                Self.show(prompt, account: account.name, json: json)
            }
            if json {
                try output.printJSON(["account": account.name, "token_file": client.tokenFile])
            } else if !output.quiet {
                Self.say("Signed in. The refresh token is in \(client.tokenFile) (readable by you only).")
            }
        } catch {
            throw output.fail(error)
        }
    }

    /// Written at once, not buffered: the user acts on it while the command waits. What the server
    /// sent is shown without control characters: it reaches a terminal.
    static func show(_ prompt: DeviceAuthorization.Prompt, account: String, json: Bool) {
        var prompt = prompt
        for path in [\DeviceAuthorization.Prompt.userCode, \.verificationURI] {
            prompt[keyPath: path] = printable(prompt[keyPath: path])
        }
        prompt.verificationURIComplete = prompt.verificationURIComplete.map(printable)
        if json {
            var object: [String: Any] = [
                "event": "device-code", "account": account, "user_code": prompt.userCode,
                "verification_uri": prompt.verificationURI, "expires_in": Int(prompt.expiresIn),
            ]
            if let complete = prompt.verificationURIComplete { object["verification_uri_complete"] = complete }
            if let data = try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            {
                FileHandle.standardOutput.write(data + Data("\n".utf8))
            }
            return
        }
        var lines = ["To sign in \(account), open \(prompt.verificationURI) and enter the code \(prompt.userCode)"]
        if let complete = prompt.verificationURIComplete { lines.append("(or open \(complete))") }
        lines.append("Waiting for the sign-in; the code expires in \(Int(prompt.expiresIn / 60)) minutes.")
        say(lines.joined(separator: "\n"))
    }

    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.properties.generalCategory != .control }))
    }

    static func say(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
