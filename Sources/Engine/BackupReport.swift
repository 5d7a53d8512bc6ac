/// What happened to one folder in a backup run.
public struct FolderReport: Codable, Sendable, Hashable {
    public var name: String
    public var path: String
    /// New messages saved (written, linked or adopted).
    public var newMessages = 0
    public var newBytes: Int64 = 0
    /// Of the new messages, how many were already in the archive and stored as links, not bytes.
    public var deduplicated = 0
    public var flagsChanged = 0
    public var gone = 0
    /// True when the server showed no change and the folder was not even opened.
    public var unchanged = false
    /// True when the folder's UIDVALIDITY changed and it was rescanned.
    public var rescanned = false
    /// Messages that could not be saved, with the reason.
    public var failedMessages: [String] = []
    /// POP3: messages deleted from the server (keep_on_server), counted once the server accepted QUIT.
    public var deletedFromServer = 0
    /// What the user should know about how this folder was handled (POP3 without UIDL, limits).
    public var notes: [String] = []
    /// Set when the whole folder failed.
    public var error: String?

    public init(name: String, path: String) {
        self.name = name
        self.path = path
    }
}

/// The result of backing up one account.
public struct BackupReport: Codable, Sendable {
    public enum Outcome: String, Codable, Sendable {
        case success
        /// Some folders or messages failed; everything else was saved.
        case partial
        case failed
    }

    /// The catalog's run number (its `runs` row), which names the report file.
    public var run: Int64?
    public var job: String
    public var account: String
    public var directory: String
    public var startedAt: Int64
    public var seconds: Double
    public var outcome: Outcome
    public var folders: [FolderReport]
    public var error: String?
    /// What `prune_gone_after_days` removed; nil when the job keeps everything.
    public var pruned: PruneReport?

    public var newMessages: Int { folders.reduce(0) { $0 + $1.newMessages } }
    public var newBytes: Int64 { folders.reduce(0) { $0 + $1.newBytes } }
    public var flagsChanged: Int { folders.reduce(0) { $0 + $1.flagsChanged } }
    public var gone: Int { folders.reduce(0) { $0 + $1.gone } }
    public var deletedFromServer: Int { folders.reduce(0) { $0 + $1.deletedFromServer } }
    public var failedFolders: Int { folders.filter { $0.error != nil }.count }
    public var failedMessages: Int { folders.reduce(0) { $0 + $1.failedMessages.count } }
}

/// Progress of a long run, for a terminal line, log lines or JSON.
public enum ProgressEvent: Sendable {
    case connected(account: String, folders: Int)
    /// A folder with `messages` new messages of `bytes` in all to fetch.
    case folderStarted(name: String, index: Int, count: Int, messages: Int, bytes: Int64)
    case messageSaved(bytes: Int)
    case folderFinished(FolderReport)
    /// A destination folder of a restore is done (or planned, in a dry run).
    case replayFolderFinished(ReplayFolderReport)
}

public protocol ProgressSink: Sendable {
    func report(_ event: ProgressEvent)
}

public struct SilentProgress: ProgressSink {
    public init() {}
    public func report(_ event: ProgressEvent) {}
}
