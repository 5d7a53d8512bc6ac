import ArgumentParser
import Engine

/// The root command.
public struct MailFerry: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "mailferry",
        abstract: "Back up, restore and migrate mailboxes over IMAP and POP3, losing nothing.",
        discussion: ExitStatus.documentation,
        version: MailFerryVersion.current,
        subcommands: [
            RunCommand.self, WatchCommand.self, BatchCommand.self, AuthCommand.self, CheckCommand.self,
            FoldersCommand.self, StatsCommand.self, SearchCommand.self, ShowCommand.self, RunsCommand.self,
            ExportCommand.self, ImportCommand.self, RestoreCommand.self, VerifyCommand.self, ReportCommand.self,
            ProvidersCommand.self,
        ]
    )

    public init() {}
}

extension MailFerry {
    /// The program's entry point (from `main.swift`).
    public static func start() async {
        await main(nil)
    }
}
