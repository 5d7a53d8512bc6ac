import ArgumentParser
import Engine
import Foundation
import Logging

/// `mailferry check JOBFILE ACCOUNT`: connect, authenticate, show capabilities and folders.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Connect to an account, log in, and list its capabilities and folders (changes nothing)."
    )

    @Argument(help: "The job file (TOML).") var jobFile: String
    @Argument(help: "The account name, as in [accounts.NAME].") var account: String
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let logger = output.makeLogger()
        do {
            let config = try JobFile.load(path: jobFile).account(named: account)
            let report = try await AccountCheck.run(config, logger: logger)
            if output.json {
                try output.printJSON(report)
            } else {
                print(CheckRenderer.render(report))
            }
        } catch {
            throw output.fail(error)
        }
    }
}

enum CheckRenderer {
    static func render(_ report: CheckReport) -> String {
        var lines: [String] = []
        lines.append("account \(report.account): \(report.server), \(report.tls) TLS, logged in")
        if let id = report.serverID, let name = id["name"] {
            lines.append("server: \(name)\(id["version"].map { " \($0)" } ?? "")")
        }
        lines.append("capabilities: \(report.capabilities.joined(separator: " "))")
        if let prefix = report.personalNamespace, !prefix.isEmpty { lines.append("personal namespace: \(prefix)") }
        lines.append("")
        let table = report.folders.map { folder -> [String] in
            [
                folder.name + (folder.decodable ? "" : "  (undecodable name, raw: \(folder.rawName))"),
                folder.specialUse ?? "",
                folder.selectable ? (folder.messages.map(String.init) ?? "?") : "-",
                folder.size.map(ByteCount.format) ?? "",
            ]
        }
        lines.append(contentsOf: TextTable.render(header: ["folder", "use", "messages", "size"], rows: table))
        let total = report.folders.compactMap(\.messages).reduce(0, +)
        lines.append("")
        lines.append("\(report.folders.count) folders, \(total) messages")
        return lines.joined(separator: "\n")
    }
}
