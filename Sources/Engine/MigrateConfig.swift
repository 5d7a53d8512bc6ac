import Foundation
import MailCore

/// What a `[[jobs]]` entry with `migrate = { from = "A", to = "B" }` adds to a backup of A into its
/// staging directory: the replay into B.
public struct MigrateConfig: Sendable, Hashable {
    /// The destination account.
    public var to: String
    public var mapping: FolderMapOptions
    public var filter: MessageFilter
    public var labels: LabelPolicy

    public init(
        to: String, mapping: FolderMapOptions = FolderMapOptions(), filter: MessageFilter = MessageFilter(),
        labels: LabelPolicy = .skipAllMail
    ) {
        self.to = to
        self.mapping = mapping
        self.filter = filter
        self.labels = labels
    }

    /// The replay options of the job.
    public var replayOptions: ReplayOptions {
        var options = ReplayOptions(mapping: mapping, filter: filter, dryRun: false)
        options.labels = labels
        return options
    }
}

extension JobFile {
    static let migrateKeys: Set<String> = ["staging", "map", "automap", "filter", "delimiter_substitute", "labels"]
    static let filterKeys: Set<String> = [
        "since", "before", "date_source", "min_size", "max_size", "flags", "not_flags", "from", "to", "subject",
        "search", "include_gone",
    ]

    /// The migrate part of a job: `migrate`, `staging`, `map`, `automap`, `into` (a destination subtree
    /// here), `filter`. Returns the source account, the staging directory and the replay settings.
    static func parseMigrate(
        _ table: inout TableReader, name: String, include: [String], exclude: [String], base: URL
    ) throws(ConfigError) -> (from: String, staging: String, config: MigrateConfig)? {
        guard var migrate = try table.inlineTable("migrate") else {
            for key in migrateKeys.sorted() where table.table[key] != nil {
                throw table.error(key, "belongs to a migrate job (migrate = { from = \"A\", to = \"B\" })")
            }
            return nil
        }
        try migrate.rejectKeys(notIn: ["from", "to"])
        guard let from = try migrate.string("from") else { throw migrate.missing("from") }
        guard let to = try migrate.string("to") else { throw migrate.missing("to") }
        let staging = resolve(try table.string("staging") ?? PathComponent.escape(name) + ".staging", base)
        var mapping = FolderMapOptions(
            rules: try mapRules(&table), automap: try table.bool("automap") ?? false, into: try table.string("into"),
            include: include, exclude: exclude)
        if let substitute = try table.string("delimiter_substitute") { mapping.delimiterSubstitute = substitute }
        do {
            _ = try FolderMapper(options: mapping, destination: DestinationLayout(delimiter: nil))
        } catch {
            throw table.error("map", "\(error)")
        }
        let filter = try messageFilter(&table)
        var labels = LabelPolicy.skipAllMail
        if let name = try table.string("labels") {
            guard let policy = LabelPolicy(rawValue: name) else {
                throw table.error("labels", "must be \(LabelPolicy.choices), not \"\(name)\"")
            }
            labels = policy
        }
        return (from, staging, MigrateConfig(to: to, mapping: mapping, filter: filter, labels: labels))
    }

    /// `map = [ { from = "Sent Items", to = "Sent" }, { match = "^Archive/(\\d{4})$", to = "Archives/$1" } ]`:
    /// `from` is an exact name or a glob, `match` a regex.
    static func mapRules(_ table: inout TableReader) throws(ConfigError) -> [FolderMapRule] {
        guard let entries = try table.arrayOfTables("map") else { return [] }
        var rules: [FolderMapRule] = []
        for (index, entry) in entries.enumerated() {
            var rule = TableReader(
                table: entry, path: "\(table.path).map[\(index)]", file: table.file, lines: table.lines,
                fallbackLine: table.line(of: "map"))
            try rule.rejectKeys(notIn: ["from", "match", "to"])
            guard let target = try rule.string("to") else { throw rule.missing("to") }
            switch (try rule.string("from"), try rule.string("match")) {
            case (let from?, nil):
                let glob = from.contains(where: { "*%?".contains($0) })
                rules.append(FolderMapRule(glob ? .glob(from) : .exact(from), to: target))
            case (nil, let regex?):
                rules.append(FolderMapRule(.regex(regex), to: target))
            default:
                throw rule.error("from", "each map rule needs exactly one of from (a name or glob) and match (a regex)")
            }
        }
        return rules
    }

    /// `filter = { since = "2019-01-01", max_size = "50MB", flags = ["\\Seen"], search = "invoice" }`.
    static func messageFilter(_ table: inout TableReader) throws(ConfigError) -> MessageFilter {
        var filter = MessageFilter()
        guard var keys = try table.inlineTable("filter") else { return filter }
        try keys.rejectKeys(notIn: filterKeys)
        filter.since = try keys.string("since")
        filter.before = try keys.string("before")
        filter.dateSource = try keys.string("date_source")
        filter.minSize = try keys.stringOrInt("min_size")
        filter.maxSize = try keys.stringOrInt("max_size")
        filter.flags = try keys.strings("flags") ?? []
        filter.notFlags = try keys.strings("not_flags") ?? []
        filter.from = try keys.string("from")
        filter.to = try keys.string("to")
        filter.subject = try keys.string("subject")
        filter.search = try keys.string("search")
        filter.includeGone = try keys.bool("include_gone") ?? false
        do {
            _ = try filter.selection()
        } catch {
            throw keys.error(error.key, error.message)
        }
        return filter
    }
}
