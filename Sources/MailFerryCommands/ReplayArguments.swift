import ArgumentParser
import Engine

/// Options `restore` and `verify` share: the source backup account, the destination, folder mapping
/// and message filters.
struct ReplayArguments: ParsableArguments {
    @Argument(help: "The backup directory.") var directory: String
    @Option(help: ArgumentHelp("The job file (TOML) that defines the destination account.", valueName: "jobfile"))
    var config: String
    @Option(help: ArgumentHelp("The destination account, as in [accounts.NAME].", valueName: "account"))
    var to: String
    @Option(help: ArgumentHelp("The account inside the backup (needed when it holds several).", valueName: "account"))
    var source: String?

    @Option(
        name: .customLong("map"),
        help: ArgumentHelp(
            "A folder rule FROM=TO (FROM exact or a glob with * % ?) or /REGEX/=TO; $1… insert captures. First match wins.",
            valueName: "rule"))
    var rules: [String] = []
    @Flag(help: "Map \\Sent \\Drafts \\Trash \\Junk \\Archive folders (marked or known by name) to the destination's.")
    var automap = false
    @Option(help: ArgumentHelp("Put every folder under this subtree (levels separated by /).", valueName: "prefix"))
    var into: String?
    @Option(help: ArgumentHelp("Restore only folders matching this glob (repeatable).", valueName: "glob"))
    var include: [String] = []
    @Option(help: ArgumentHelp("Leave out folders matching this glob (repeatable).", valueName: "glob"))
    var exclude: [String] = []
    @Option(
        help: ArgumentHelp(
            "What replaces the destination's delimiter inside one level of a source name.", valueName: "text"))
    var delimiterSubstitute = "_"

    @Option(help: ArgumentHelp("Only messages on or after this date (2019-01-01, UTC) or time.", valueName: "date"))
    var since: String?
    @Option(help: ArgumentHelp("Only messages before this date or time.", valueName: "date"))
    var before: String?
    @Option(
        help: ArgumentHelp(
            "internaldate (when the server received it, default) or header (the Date: field).", valueName: "source"))
    var dateSource: String?
    @Option(help: ArgumentHelp("Only messages of at least this size (50KB, 2MiB, bytes).", valueName: "size"))
    var minSize: String?
    @Option(help: ArgumentHelp("Only messages of at most this size.", valueName: "size"))
    var maxSize: String?
    @Option(
        name: .customLong("flag"),
        help: ArgumentHelp("Only messages with this flag or keyword (repeatable).", valueName: "flag"))
    var flags: [String] = []
    @Option(
        name: .customLong("not-flag"),
        help: ArgumentHelp("Only messages without this flag (repeatable).", valueName: "flag"))
    var notFlags: [String] = []
    @Option(
        name: .customLong("match-from"),
        help: ArgumentHelp("Only messages whose From contains this text.", valueName: "text"))
    var matchFrom: String?
    @Option(
        name: .customLong("match-to"),
        help: ArgumentHelp("Only messages whose To or Cc contains this text.", valueName: "text"))
    var matchTo: String?
    @Option(
        name: .customLong("match-subject"),
        help: ArgumentHelp("Only messages whose Subject contains this text.", valueName: "text"))
    var matchSubject: String?
    @Option(
        help: ArgumentHelp(
            "Only messages matching this query, as in mailferry search: words, prefix*, \"phrases\", "
                + "subject:/from:/to:/body:.",
            valueName: "query"))
    var search: String?
    @Option(
        help: ArgumentHelp(
            "Gmail labels: copy (into every folder, All Mail too), first (one folder only), or skip-all-mail "
                + "(every folder; All Mail only for messages in no other folder; the default).",
            valueName: "policy"))
    var labels: String?
    @Flag(help: "Also messages that were expunged from their folder on the server after they were backed up.")
    var includeGone = false

    func validate() throws {
        if let labels, LabelPolicy(rawValue: labels) == nil {
            throw ValidationError("--labels must be \(LabelPolicy.choices), not \"\(labels)\"")
        }
        for rule in rules where FolderMapRule.parse(rule) == nil {
            throw ValidationError("--map \"\(rule)\" is not FROM=TO or /REGEX/=TO")
        }
    }

    /// The destination account from the job file.
    func destination() throws -> AccountConfig {
        try JobFile.load(path: config).account(named: to)
    }

    func options(dryRun: Bool) -> ReplayOptions {
        var filter = MessageFilter()
        filter.since = since
        filter.before = before
        filter.dateSource = dateSource
        filter.minSize = minSize
        filter.maxSize = maxSize
        filter.flags = flags
        filter.notFlags = notFlags
        filter.from = matchFrom
        filter.to = matchTo
        filter.subject = matchSubject
        filter.search = search
        filter.includeGone = includeGone
        let mapping = FolderMapOptions(
            rules: rules.compactMap(FolderMapRule.parse), automap: automap, into: into, include: include,
            exclude: exclude,
            delimiterSubstitute: delimiterSubstitute)
        var options = ReplayOptions(sourceAccount: source, mapping: mapping, filter: filter, dryRun: dryRun)
        if let labels { options.labels = LabelPolicy(rawValue: labels) ?? .skipAllMail }
        return options
    }
}
