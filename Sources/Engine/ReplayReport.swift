/// What happened to one destination folder in a restore (or what would, in a dry run).
public struct ReplayFolderReport: Codable, Sendable, Hashable {
    /// The source folders whose messages go here (several when mapping merges them).
    public var sources: [String]
    public var destination: String
    /// The folder did not exist on the destination (and was created, unless dry run).
    public var created = false
    /// Messages (and their bytes) to append: after filters, the replay log and the lookup.
    public var planned = 0
    public var plannedBytes: Int64 = 0
    public var appended = 0
    public var appendedBytes: Int64 = 0
    /// APPEND commands answered: fewer than messages when MULTIAPPEND carries several in one.
    public var appendCommands = 0
    /// Found on the destination already (by Message-ID and size, confirmed by hash): not appended.
    public var alreadyPresent = 0
    /// Appended by an earlier run, as the replay log says.
    public var alreadyRestored = 0
    /// Placements the message filters left out.
    public var filteredOut = 0
    /// The same message in several source folders that map here: appended once.
    public var merged = 0
    /// Messages the labels policy puts into another folder of this run instead (Gmail's All Mail).
    public var elsewhere = 0
    /// Messages larger than the destination folder's APPENDLIMIT (RFC 7889), with their size: not sent.
    public var tooBig: [String] = []
    /// Messages appended without keywords the destination refused (RFC 9051 §7.1, PERMANENTFLAGS), saying which.
    public var keywordsDropped: [String] = []
    /// Messages that could not be appended, with the reason.
    public var failedMessages: [String] = []
    /// Set when the whole folder failed.
    public var error: String?

    public init(sources: [String], destination: String) {
        self.sources = sources
        self.destination = destination
    }
}

/// The result of a restore into one account.
public struct ReplayReport: Codable, Sendable {
    public var source: String
    public var destination: String
    public var directory: String
    public var dryRun: Bool
    /// The catalog's run number (its `runs` row), which names the report file; nil in a dry run.
    public var run: Int64?
    /// Seconds since 1970 (the catalog's run start).
    public var startedAt: Int64 = 0
    public var seconds: Double = 0
    public var outcome: BackupReport.Outcome = .success
    /// Where every source folder goes, excluded ones included.
    public var mappings: [FolderMapping] = []
    public var folders: [ReplayFolderReport] = []
    public var error: String?

    public init(source: String, destination: String, directory: String, dryRun: Bool) {
        self.source = source
        self.destination = destination
        self.directory = directory
        self.dryRun = dryRun
    }

    public var appended: Int { folders.reduce(0) { $0 + $1.appended } }
    public var appendedBytes: Int64 { folders.reduce(0) { $0 + $1.appendedBytes } }
    public var appendCommands: Int { folders.reduce(0) { $0 + $1.appendCommands } }
    public var planned: Int { folders.reduce(0) { $0 + $1.planned } }
    public var plannedBytes: Int64 { folders.reduce(0) { $0 + $1.plannedBytes } }
    public var alreadyThere: Int { folders.reduce(0) { $0 + $1.alreadyPresent + $1.alreadyRestored } }
    public var filteredOut: Int { folders.reduce(0) { $0 + $1.filteredOut } }
    public var failedFolders: Int { folders.filter { $0.error != nil }.count }
    public var failedMessages: Int { folders.reduce(0) { $0 + $1.failedMessages.count } }
    public var tooBig: Int { folders.reduce(0) { $0 + $1.tooBig.count } }
    public var keywordsDropped: Int { folders.reduce(0) { $0 + $1.keywordsDropped.count } }
}
