import ArgumentParser
import Engine

/// `mailferry providers`: the presets `provider = "NAME"` can name.
struct ProvidersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "providers",
        abstract: "List the mail providers an account's provider key can name, with their settings.")

    @OptionGroup var output: OutputOptions

    func run() async throws {
        if output.json {
            try output.printJSON(ProviderPreset.all)
            return
        }
        let rows = ProviderPreset.all.map { preset -> [String] in
            [
                preset.name, preset.title, preset.imap.map(Self.describe) ?? "-", preset.pop3.map(Self.describe) ?? "-",
                preset.acceptsPasswords ? preset.auth.rawValue : "\(preset.auth.rawValue) only", preset.note,
            ]
        }
        print(
            TextTable.render(header: ["provider", "name", "imap", "pop3", "auth", "note"], rows: rows).joined(
                separator: "\n"))
    }

    static func describe(_ server: ServerSetting) -> String {
        "\(server.host):\(server.port)" + (server.tls == .implicit ? "" : " \(server.tls.rawValue)")
    }
}
