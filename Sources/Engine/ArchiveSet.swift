import Archives
import Catalog
import Foundation
import MIME

/// The archive formats a backup job keeps (`formats` in the job file), in its directory:
/// `maildir/` and `mbox/` (DESIGN.md "The backup directory").
struct ArchiveSet: Sendable {
    static let formats: Set<String> = ["maildir", "mbox"]

    /// The Maildir tree: written when the job keeps Maildir, read whenever it holds files.
    let maildir: MaildirStore
    /// Where fetched messages land first: the Maildir's `tmp/`, or, when the job keeps no Maildir,
    /// a staging tree (`DIR/.staging/<account>/<folder path>/tmp`) whose files are copied into the
    /// mbox and removed.
    let staging: MaildirStore
    let keepsMaildir: Bool
    let mbox: MboxStore?

    init(directory: String, formats: [String]) {
        keepsMaildir = formats.contains("maildir")
        maildir = MaildirStore(root: (directory as NSString).appendingPathComponent("maildir"))
        staging = keepsMaildir ? maildir : MaildirStore(root: (directory as NSString).appendingPathComponent(".staging"))
        mbox = formats.contains("mbox") ? MboxStore(root: (directory as NSString).appendingPathComponent("mbox")) : nil
    }

    /// True when the archive still has this copy's bytes: its Maildir file, or its whole mbox entry.
    func holds(_ copy: ArchivedCopy) -> Bool {
        if let path = copy.maildirPath, maildir.fileSize(path) != nil { return true }
        if let entry = copy.mbox, let mbox, let size = mbox.fileSize(entry.path) { return size >= entry.end }
        return false
    }

    /// A replay candidate's archived bytes, opened: its Maildir file when the backup holds one, else its
    /// mbox entry; nil when the catalog records neither.
    func open(_ candidate: ReplayCandidate) throws -> (any ArchivedMessage)? {
        if let path = candidate.maildirPath, maildir.fileSize(path) != nil || candidate.mbox == nil {
            return try ArchivedMessageFile(store: maildir, relative: path)
        }
        guard let entry = candidate.mbox, let mbox else { return nil }
        return try MboxEntryReader(
            store: mbox, relative: entry.path, offset: entry.offset, length: entry.length, size: candidate.size)
    }

    /// True when the archived copy's bytes begin with `prefix` (a message's header block, say): its
    /// Maildir file, else its mbox entry (unquoted).
    func copy(_ copy: ArchivedCopy, startsWith prefix: [UInt8]) -> Bool {
        if let path = copy.maildirPath, maildir.fileSize(path) != nil {
            return (try? ArchivedMessageFile(store: maildir, relative: path).starts(with: prefix)) == true
        }
        guard let entry = copy.mbox, let mbox else { return false }
        var match = PrefixMatch(prefix)
        do {
            // The entry's length bounds the message; only its first bytes are compared.
            try mbox.read(entry.path, offset: entry.offset, length: entry.length, size: entry.length) { match.feed($0) }
        } catch {
            return false
        }
        return match.matched
    }

    /// Opens a folder's mbox before anything is written to it: a torn tail a killed run left is
    /// cut off (noted in the report), and messages the Maildir holds but the mbox does not (the
    /// job started keeping mbox) are appended. Nil when the job keeps no mbox.
    func openMbox(folderDirectory: String, folderID: Int64, catalog: Catalog, report: inout FolderReport) throws
        -> MboxFile?
    {
        guard let mbox else { return nil }
        let relative = MboxStore.file(folderDirectory: folderDirectory)
        let file = try mbox.open(relative, recordedEnd: try catalog.mboxRecordedEnd(folderID: folderID, path: relative))
        if file.cutOff > 0 {
            report.notes.append("\(relative): cut off \(file.cutOff) bytes an interrupted run wrote but never recorded")
        }
        let added = try catchUp(file, folderID: folderID, catalog: catalog)
        if added > 0 { report.notes.append("\(relative): added \(added) messages already in the Maildir") }
        return file
    }

    /// Appends the folder's Maildir messages that have no mbox entry, in batches: fsync, then one
    /// transaction records the entries. Returns how many were appended.
    func catchUp(_ file: MboxFile, folderID: Int64, catalog: Catalog) throws -> Int {
        let missing = try catalog.placementsWithoutMbox(folderID: folderID)
        guard !missing.isEmpty else { return 0 }
        // One entry per message in a folder's mbox: a second placement of the same bytes shares it.
        var entries = try catalog.mboxEntries(folderID: folderID)
        var appended = 0
        for start in stride(from: 0, to: missing.count, by: 200) {
            let batchStart = file.end
            var recorded: [(placementID: Int64, location: MboxLocation)] = []
            for placement in missing[start..<min(start + 200, missing.count)] {
                if let entry = entries[placement.messageID] {
                    recorded.append((placement.placementID, entry))
                    continue
                }
                guard maildir.fileSize(placement.maildirPath) == Int(placement.size) else { continue }
                let source = maildir.root + "/" + placement.maildirPath
                let fromLine = MboxStore.fromLine(
                    sender: try Self.envelopeSender(ofFile: source), date: placement.internalDateUnix)
                let entry = try file.append(contentsOf: source, size: Int(placement.size), fromLine: fromLine)
                let location = MboxLocation(path: file.relative, offset: entry.offset, length: entry.length)
                entries[placement.messageID] = location
                recorded.append((placement.placementID, location))
                appended += 1
            }
            try file.sync()
            do {
                try catalog.recordMboxEntries(recorded)
            } catch {
                file.rollBack(to: batchStart)
                throw error
            }
        }
        return appended
    }

    /// The envelope sender of an archived message, from its header.
    static func envelopeSender(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ArchiveError("open", path: path, code: errno)
        }
        defer { try? handle.close() }
        var indexer = MessageIndexer(limits: .init(maxTextBytes: 0))
        let head = try handle.read(upToCount: 256 << 10) ?? Data()
        head.withUnsafeBytes { indexer.feed($0) }
        return indexer.finish().envelopeSender
    }
}

extension MessageSummary {
    /// The sender an mbox `From ` line names: the Return-Path, else the first From address, else
    /// `MAILER-DAEMON` (also for the null path `<>` of a bounce).
    var envelopeSender: String {
        if let path = returnPath { return path.isEmpty ? "MAILER-DAEMON" : path }
        return from.first?.email ?? "MAILER-DAEMON"
    }
}
