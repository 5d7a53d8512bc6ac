import ArgumentParser
import Catalog
import Foundation

/// `mailferry folders DIR`: the folders a backup holds.
struct FoldersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "folders", abstract: "List the folders in a backup directory.")

    @Argument(help: "The backup directory.") var directory: String
    @OptionGroup var output: OutputOptions

    func run() async throws {
        do {
            let folders = try Catalog.existing(directory: directory).folderSummaries()
            if output.json {
                try output.printJSON(folders)
                return
            }
            let rows = folders.map { folder -> [String] in
                [
                    folder.account, folder.name + (folder.goneFromServer ? " (gone from server)" : ""),
                    folder.specialUse ?? "", String(folder.messages), ByteCount.format(UInt64(folder.bytes)),
                    String(folder.gone),
                ]
            }
            print(TextTable.render(header: ["account", "folder", "use", "messages", "size", "gone"], rows: rows).joined(separator: "\n"))
        } catch {
            throw output.fail(error)
        }
    }
}

/// `mailferry stats DIR`: what a backup holds, in numbers.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Show totals for a backup directory: messages, bytes, per year, last run.")

    @Argument(help: "The backup directory.") var directory: String
    @OptionGroup var output: OutputOptions

    func run() async throws {
        do {
            let stats = try Catalog.existing(directory: directory).stats()
            if output.json {
                try output.printJSON(stats)
                return
            }
            var lines = [
                "accounts: \(stats.accounts)", "folders: \(stats.folders)",
                "messages: \(stats.messages) distinct (\(ByteCount.format(UInt64(stats.bytes)))), \(stats.placements) in folders, \(stats.gone) gone from server",
            ]
            if let run = stats.lastRun {
                lines.append(
                    "last run: \(run.job), \(run.outcome), \(run.messagesNew) new (\(ByteCount.format(UInt64(run.bytesNew))))")
            }
            lines.append("")
            lines.append(
                contentsOf: TextTable.render(
                    header: ["year", "messages", "size"],
                    rows: stats.perYear.map { [String($0.year), String($0.messages), ByteCount.format(UInt64($0.bytes))] }))
            print(lines.joined(separator: "\n"))
        } catch {
            throw output.fail(error)
        }
    }
}
