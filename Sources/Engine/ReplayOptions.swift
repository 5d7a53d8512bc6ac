import Catalog

/// Where a message that Gmail shows in several folders (labels) and in `[Gmail]/All Mail` goes.
public enum LabelPolicy: String, Sendable, Hashable, CaseIterable, Codable {
    /// Into every folder that holds it, All Mail too: the source's duplication, kept.
    case copy
    /// Into the first folder that holds it (INBOX first, then by name, All Mail last), only there.
    case first
    /// Into every folder that holds it; into All Mail only when no other folder of the run does.
    case skipAllMail = "skip-all-mail"

    /// The accepted values, for messages.
    public static var choices: String {
        "\"copy\", \"first\" or \"skip-all-mail\""
    }

    /// Folders that hold every message of a Gmail account: marked `\All` (RFC 6154), or known by name.
    static func isAllMail(_ folder: FolderRecord) -> Bool {
        if folder.specialUse?.lowercased() == "\\all" { return true }
        return ["[gmail]/all mail", "[google mail]/all mail"].contains(folder.name.lowercased())
    }
}

/// How a restore runs: which backup account, which folders and messages, where they go.
public struct ReplayOptions: Sendable, Hashable {
    /// The account inside the backup; nil when the backup holds only one.
    public var sourceAccount: String?
    public var mapping: FolderMapOptions
    public var filter: MessageFilter
    /// Print the plan; change nothing on the destination or in the replay log.
    public var dryRun: Bool
    public var labels = LabelPolicy.skipAllMail
    /// Messages and bytes per replay-log batch (pending rows, then the APPENDs, then done rows).
    public var batchMessages = 64
    public var batchBytes = 16 << 20
    /// Messages read from the catalog at a time: a folder of any size is replayed a page at a time.
    public var pageMessages = 2_000
    /// APPEND commands in flight at once.
    public var appendWindow = 16
    /// Messages and bytes per MULTIAPPEND command (RFC 3502) when the destination offers it; 1 turns it off.
    public var multiAppendMessages = 16
    public var multiAppendBytes: Int64 = 4 << 20
    /// Up to this many messages are looked up on the destination one by one (SEARCH); more, and the
    /// folder's Message-IDs and sizes are fetched in one pass.
    public var searchLookupLimit = 32
    /// Before looking up messages left pending (a run or attempt lost in the middle of APPENDs), the
    /// destination folder is watched this many seconds apart, up to `settleRounds` times, until it stops
    /// growing: the lost session may still be saving on the server. 0 looks at once.
    public var settleInterval = 0.5
    public var settleRounds = 20

    public init(
        sourceAccount: String? = nil, mapping: FolderMapOptions = FolderMapOptions(),
        filter: MessageFilter = MessageFilter(),
        dryRun: Bool = false
    ) {
        self.sourceAccount = sourceAccount
        self.mapping = mapping
        self.filter = filter
        self.dryRun = dryRun
    }
}
