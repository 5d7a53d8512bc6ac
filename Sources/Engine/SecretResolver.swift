import Foundation
import Logging
import MailTransport

/// Why a secret could not be had. Never carries the secret.
public struct SecretError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
    public init(message: String) { self.message = message }
}

/// Resolves an account's `password_*` key to the secret, at the moment it is needed.
public enum SecretResolver {
    public static func resolve(_ source: SecretSource) throws(SecretError) -> Secret {
        switch source {
        case .environment(let name):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw SecretError(message: "the environment variable \(name) (password_env) is not set")
            }
            return Secret(value)
        case .file(let path):
            return try readFile(path)
        case .command(let command):
            return try runCommand(command, key: "password_command", what: "password")
        case .tokenCommand(let command):
            return try OAuthToken.parse(try commandOutput(command, key: "token_command"), what: "token_command")
                .accessToken
        case .oauthClient(let client):
            // Refreshing needs the network: connections get these tokens through `oauthToken`.
            guard let token = try OAuthTokenFile.load(client.tokenFile).freshAccessToken(now: Date()) else {
                throw SecretError(message: "the access token in token_file \(client.tokenFile) has expired")
            }
            return token.accessToken
        }
    }

    /// An OAuth2 source's access token with its expiry, for `TokenCache`.
    static func oauthToken(_ source: SecretSource, logger: Logger) async throws -> OAuthToken {
        switch source {
        case .oauthClient(let client):
            return try await client.accessToken(logger: logger)
        case .tokenCommand(let command):
            return try OAuthToken.parse(try commandOutput(command, key: "token_command"), what: "token_command")
        case .environment, .command, .file:
            return OAuthToken(accessToken: try resolve(source), expiresAt: nil)
        }
    }

    static func readFile(_ path: String) throws(SecretError) -> Secret {
        try checkOwnerOnly(path, key: "password_file")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SecretError(message: "cannot read password_file \(path)")
        }
        return try firstLine(data, what: "password_file \(path)")
    }

    /// Refuses a secret file that anyone but its owner may read.
    static func checkOwnerOnly(_ path: String, key: String) throws(SecretError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw SecretError(message: "cannot read \(key) \(path): \(String(cString: strerror(errno)))")
        }
        if info.st_mode & 0o077 != 0 {
            throw SecretError(
                message: "\(key) \(path) is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))); run chmod 600 \(path)")
        }
    }

    /// Runs the command with the secret on its standard output, never in anyone's argv. Only the
    /// first line of its standard error is shown: the rest may hold what it was fetching.
    static func runCommand(_ command: String, key: String, what: String) throws(SecretError) -> Secret {
        try firstLine(try commandOutput(command, key: key), what: key, noun: what)
    }

    /// The standard output of a secret command that exited 0.
    static func commandOutput(_ command: String, key: String) throws(SecretError) -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw SecretError(message: "cannot run \(key): \(error.localizedDescription)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let detail = errorText.split(separator: "\n").first.map { ": \($0.prefix(200))" } ?? ""
            throw SecretError(message: "\(key) exited with status \(process.terminationStatus)\(detail)")
        }
        return data
    }

    static func firstLine(_ data: Data, what: String, noun: String = "password") throws(SecretError) -> Secret {
        let text = String(decoding: data, as: UTF8.self)
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let value = line.hasSuffix("\r") ? String(line.dropLast()) : line
        guard !value.isEmpty else { throw SecretError(message: "\(what) gave an empty \(noun)") }
        return Secret(value)
    }
}
