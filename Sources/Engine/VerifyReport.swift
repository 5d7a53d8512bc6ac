/// How one destination folder compares with what a restore of the backup puts there.
public struct VerifyFolderReport: Codable, Sendable, Hashable {
    public var sources: [String]
    public var destination: String
    /// The destination has no such folder.
    public var folderMissing = false
    /// Distinct messages the filters select for this folder.
    public var expected = 0
    /// Of those, found on the destination by hash.
    public var present = 0
    /// Expected messages the destination folder lacks: "source folder UID n (Message-ID)".
    public var missing: [String] = []
    /// Messages in the destination folder that the backup does not put there.
    public var extra = 0
    /// Expected messages held more than once.
    public var duplicates = 0
    /// Present messages whose flags or keywords differ: "source UID n: expected (…), found (…)".
    public var flagDifferences: [String] = []
    /// Present messages whose INTERNALDATE is another instant.
    public var dateDifferences: [String] = []
    public var error: String?

    public init(sources: [String], destination: String) {
        self.sources = sources
        self.destination = destination
    }
}

/// The result of comparing a backup with a destination account.
public struct VerifyReport: Codable, Sendable {
    public var source: String
    public var destination: String
    public var directory: String
    public var seconds: Double = 0
    public var mappings: [FolderMapping] = []
    public var folders: [VerifyFolderReport] = []

    public init(source: String, destination: String, directory: String) {
        self.source = source
        self.destination = destination
        self.directory = directory
    }

    public var expected: Int { folders.reduce(0) { $0 + $1.expected } }
    public var present: Int { folders.reduce(0) { $0 + $1.present } }
    public var missing: Int { folders.reduce(0) { $0 + $1.missing.count } }
    public var extra: Int { folders.reduce(0) { $0 + $1.extra } }
    public var duplicates: Int { folders.reduce(0) { $0 + $1.duplicates } }
    public var flagDifferences: Int { folders.reduce(0) { $0 + $1.flagDifferences.count } }
    public var dateDifferences: Int { folders.reduce(0) { $0 + $1.dateDifferences.count } }
    public var failedFolders: Int { folders.filter { $0.error != nil }.count }
    /// Nothing missing, nothing twice, every folder read.
    public var isComplete: Bool { missing == 0 && duplicates == 0 && failedFolders == 0 }
}
