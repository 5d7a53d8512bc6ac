import Foundation
import TestSupport

/// Runs the built `mailferry` binary the way a user does.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum CLI {
    static var binary: URL {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [here, here.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("mailferry")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/mailferry")
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CLIResult {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes concurrently so a full pipe never blocks the child.
        nonisolated(unsafe) var errData = Data()
        let reader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { usleep(1000) }
        return CLIResult(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// A temp directory with a job file for one account of a harness server.
struct JobDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("mailferry-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: url) }

    func write(_ text: String, name: String = "jobs.toml") throws -> String {
        let path = url.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}

extension DovecotServer {
    /// An `[accounts.NAME]` table for this server.
    func accountTOML(
        name: String = "test", user: String = "alice", tls: String = "implicit", port: Int? = nil,
        passwordEnv: String = "MAILFERRY_TEST_PASSWORD", host: String = "localhost", trusted: Bool = true
    ) -> String {
        let chosenPort = port ?? (tls == "implicit" ? imapsPort : imapPort)
        return """
            [accounts.\(name)]
            protocol = "imap"
            host = "\(host)"
            port = \(chosenPort)
            tls = "\(tls)"
            user = "\(user)"
            password_env = "\(passwordEnv)"
            \(trusted ? "ca_file = \"\(caCertificatePath)\"" : "")

            """
    }
}

