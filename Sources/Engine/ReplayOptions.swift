/// How a restore runs: which backup account, which folders and messages, where they go.
public struct ReplayOptions: Sendable, Hashable {
    /// The account inside the backup; nil when the backup holds only one.
    public var sourceAccount: String?
    public var mapping: FolderMapOptions
    public var filter: MessageFilter
    /// Print the plan; change nothing on the destination or in the replay log.
    public var dryRun: Bool
    /// Messages and bytes per replay-log batch (pending rows, then the APPENDs, then done rows).
    public var batchMessages = 64
    public var batchBytes = 16 << 20
    /// APPEND commands in flight at once.
    public var appendWindow = 16
    /// Messages and bytes per MULTIAPPEND command (RFC 3502) when the destination offers it; 1 turns it off.
    public var multiAppendMessages = 16
    public var multiAppendBytes: Int64 = 4 << 20
    /// Up to this many messages are looked up on the destination one by one (SEARCH); more, and the
    /// folder's Message-IDs and sizes are fetched in one pass.
    public var searchLookupLimit = 32

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
