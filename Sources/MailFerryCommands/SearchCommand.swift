import ArgumentParser
import Catalog
import Engine
import Foundation

/// `mailferry search DIR QUERY`: messages in a backup, newest first.
struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search a backup: subject, addresses and text of every message, newest first.",
        discussion: """
            QUERY: words (all must occur), prefixes (invoi*), phrases ("quarterly report"), and a column \
            before any of them (subject:, body:, addresses:). Words are matched without regard to case or \
            accents. Dates are UTC days (YYYY-MM-DD).
            """
    )

    @Argument(help: "The backup directory.") var directory: String
    @Argument(help: "What to look for (may be empty when a filter is given).") var words: [String] = []
    @Option(help: "Only messages whose From address contains this.") var from: String?
    @Option(help: "Only messages whose To or Cc addresses contain this.") var to: String?
    @Option(help: "Only messages in this folder (a glob, e.g. 'Archive/*').") var folder: String?
    @Option(help: "Only messages dated on or after this day (YYYY-MM-DD).") var since: String?
    @Option(help: "Only messages dated before this day (YYYY-MM-DD).") var before: String?
    @Flag(help: "Only messages with attachments.") var hasAttachment = false
    @Option(help: "At most this many results.") var limit = 50
    @OptionGroup var output: OutputOptions

    var query: String { words.joined(separator: " ") }

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
        for (name, value) in [("--since", since), ("--before", before)] {
            if let value, DateText.day(value) == nil { throw ValidationError("\(name) must be a day like 2024-01-31") }
        }
        let parsed = SearchQuery(parsing: query)
        guard !parsed.terms.isEmpty || from != nil || to != nil || folder != nil || since != nil || before != nil
            || hasAttachment
        else { throw ValidationError("give words to search for, or a filter (--from, --to, --folder, --since, --before, --has-attachment)") }
    }

    func run() async throws {
        do {
            let catalog = try Catalog.existing(directory: directory)
            let filters = SearchFilters(
                from: from, to: to, folder: folder, since: since.flatMap(DateText.day), before: before.flatMap(DateText.day),
                hasAttachment: hasAttachment)
            let search = MessageSearch(reader: ArchiveReader(directory: directory, catalog: catalog))
            let result = try search.run(SearchQuery(parsing: query), filters: filters, limit: limit)
            if !result.unreadable.isEmpty {
                let ids = result.unreadable.prefix(10).map(String.init).joined(separator: ", ")
                let more = result.unreadable.count > 10 ? " and \(result.unreadable.count - 10) more" : ""
                FileHandle.standardError.write(
                    Data(
                        "mailferry: warning: \(result.unreadable.count) candidates could not be read from the archive to check the phrase (ids \(ids)\(more)); `mailferry show ID` says why\n"
                            .utf8))
            }
            if output.json {
                try output.printJSON(result.hits)
                return
            }
            guard !result.hits.isEmpty else {
                if !output.quiet { print("no messages match") }
                return
            }
            let rows = result.hits.map { hit -> [String] in
                [
                    String(hit.id), DateText.utc(hit.date), Self.clip(hit.from ?? "", 32),
                    (hit.folders.first ?? "") + (hit.folders.count > 1 ? " (+\(hit.folders.count - 1))" : ""),
                    Self.clip(hit.subject ?? "", 70),
                ]
            }
            var lines = TextTable.render(header: ["id", "date (UTC)", "from", "folder", "subject"], rows: rows)
            if !output.quiet {
                lines.append("")
                lines.append(
                    "\(result.hits.count) messages" + (result.hits.count == limit ? " (the newest \(limit); --limit shows more)" : ""))
            }
            print(lines.joined(separator: "\n"))
        } catch {
            throw output.fail(error)
        }
    }

    static func clip(_ text: String, _ length: Int) -> String {
        let line = text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\t", with: " ")
        return line.count <= length ? line : String(line.prefix(length - 1)) + "…"
    }
}
