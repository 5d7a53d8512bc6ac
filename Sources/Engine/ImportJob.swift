import Archives
import Catalog
import Foundation
import IMAPCore
import MIME
import MailCore

/// The result of `mailferry import`.
public struct ImportReport: Codable, Sendable {
    public var source: String
    public var directory: String
    public var account: String
    public var run: Int64?
    /// Distinct messages added, and their bytes.
    public var messages = 0
    public var bytes: Int64 = 0
    /// Placements added (a message in two folders counts twice).
    public var placements = 0
    /// Placements whose bytes the folder already held: not added again.
    public var alreadyThere = 0
    /// New placements stored as links to bytes the archive already had.
    public var deduplicated = 0
    /// Placements added, by folder.
    public var folders: [String: Int] = [:]
    /// Messages or files left out, each with the reason.
    public var skipped: [String] = []
    public var notes: [String] = []
    public var error: String?

    init(source: String, directory: String, account: String) {
        self.source = source
        self.directory = directory
        self.account = account
    }
}

/// `mailferry import SOURCE --into DIR --account NAME`: brings existing mail (an mbox, a Maildir
/// tree, `.eml` files, Thunderbird local folders, a Google Takeout mbox, any of them inside a
/// tar or zip file, or a mailferry export) into a backup's catalog and archives, stored exactly
/// as backed-up mail is, and recorded as a run.
public struct ImportJob: Sendable {
    public var source: String
    public var directory: String
    public var account: String
    /// Archive formats; nil: what the backup directory has, else Maildir.
    public var formats: [String]?
    /// The folder for a single mbox or a directory of `.eml` files (else from the file's name).
    public var folder: String?
    /// How `>From ` lines are unquoted; nil: mboxrd for what mailferry wrote, else mboxo.
    public var mboxVariant: MboxSplitter.Variant?
    public var clock: @Sendable () -> Int64

    public init(
        source: String, directory: String, account: String, formats: [String]? = nil, folder: String? = nil,
        mboxVariant: MboxSplitter.Variant? = nil, clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.source = source
        self.directory = directory
        self.account = account
        self.formats = formats
        self.folder = folder
        self.mboxVariant = mboxVariant
        self.clock = clock
    }

    /// The formats of an existing backup directory: the archive folders it has, else Maildir.
    static func formats(ofDirectory directory: String) -> [String] {
        let found = ["maildir", "mbox"].filter {
            FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent($0))
        }
        return found.isEmpty ? ["maildir"] : found
    }

    public func run() throws -> ImportReport {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
            throw EngineError.cannotUse(source, "it does not exist")
        }
        let chosenFormats = formats ?? Self.formats(ofDirectory: directory)
        try BackupJob.prepare(directory: directory)
        let lock = try BackupLock(directory: directory)
        defer { withExtendedLifetime(lock) {} }
        let catalog: Catalog
        do {
            catalog = try Catalog(directory: directory)
        } catch {
            throw EngineError.cannotUse(directory, "\(error)")
        }
        let accountRecord =
            try catalog.account(named: account)
            ?? catalog.account(name: account, protocol: "import", host: "", port: 0, user: "", now: clock())
        var run = try catalog.startRun(job: "import", accountID: accountRecord.id, now: clock())
        var report = ImportReport(source: source, directory: directory, account: account)
        report.run = run.id
        let archives = ArchiveSet(directory: directory, formats: chosenFormats)
        var failure: (any Error)?
        do {
            let sink = try ImportSink(
                catalog: catalog, archives: archives, directory: directory, accountID: accountRecord.id!,
                accountName: account, clock: clock, report: report)
            var walker = ImportWalker(sink: sink, folder: folder, variant: mboxVariant)
            do {
                try walker.importSource(source, isDirectory: isDirectory.boolValue)
                try sink.finish()
            } catch {
                sink.abandon()
                failure = error
            }
            report = sink.report
        } catch {
            failure = error
        }
        if let failure { report.error = "\(failure)" }
        run.finishedAt = clock()
        run.outcome = failure != nil ? "failed" : report.skipped.isEmpty ? "success" : "partial"
        run.foldersDone = Int64(report.folders.count)
        run.messagesNew = Int64(report.placements)
        run.bytesNew = report.bytes
        run.report = (try? JSONEncoder().encode(report)).map { String(decoding: $0, as: UTF8.self) }
        try? catalog.finish(run)
        if let failure { throw ImportFailed(report: report, underlying: failure) }
        return report
    }
}

/// The import stopped (the disk, the catalog): what was committed before stays.
public struct ImportFailed: Error, CustomStringConvertible {
    public var report: ImportReport
    public var underlying: any Error

    public var description: String { "\(underlying)" }
}

extension BackupJob {
    /// Creates the backup directory (owner-only) when it does not exist.
    static func prepare(directory: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw EngineError.cannotUse(directory, "it is not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw EngineError.cannotUse(directory, error.localizedDescription)
        }
    }
}

/// How an imported mbox's `>From ` lines are unquoted.
public typealias ImportMboxVariant = MboxSplitter.Variant
