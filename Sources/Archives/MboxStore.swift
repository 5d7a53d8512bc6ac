import MailCore

#if canImport(Glibc)
    import Glibc
#endif

/// A tree of mboxrd files (`DIR/mbox/<account>/<folder path>.mbox`), one per folder, appended
/// durably: a batch of entries is written and fsynced before the catalog records where they lie.
///
/// An entry is a `From ` line, the message with mboxrd quoting (`MboxQuoting`), a line end when the
/// message does not end with one, and an empty line (RFC 4155). Readers that split on `From `
/// lines (mutt, Python's `mailbox.mbox`) see every message; the catalog's offset, length and the
/// message's size give the exact bytes back, even of a message without a final line end.
///
/// Paths are built from escaped components (`PathComponent`), as for Maildir. Directories are
/// created 0700, files 0600.
public struct MboxStore: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    /// The folder's mbox file relative to the root: `<account>/<folder path>.mbox`, from the same
    /// directory string a Maildir folder uses.
    public static func file(folderDirectory: String) -> String {
        folderDirectory + ".mbox"
    }

    /// Opens (creating) a folder's mbox for appending. Bytes beyond `recordedEnd` (what the
    /// catalog knows: a batch a killed run wrote but never recorded) are cut off before anything
    /// is written; a file shorter than `recordedEnd` has lost recorded mail and is refused.
    public func open(_ relative: String, recordedEnd: Int64) throws(MboxError) -> MboxFile {
        let path = root + "/" + relative
        do {
            try makeParents(of: relative)
        } catch {
            throw .archive(error)
        }
        var created = false
        var descriptor = Glibc.open(path, O_RDWR | O_CLOEXEC)
        if descriptor < 0 && errno == ENOENT {
            descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            created = true
        }
        guard descriptor >= 0 else { throw .archive(ArchiveError("open", path: path, code: errno)) }
        let file = MboxFile(descriptor: descriptor, path: path, relative: relative)
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .archive(ArchiveError("stat", path: path, code: errno)) }
        let size = Int64(info.st_size)
        if size < recordedEnd {
            throw .shorterThanRecorded(path: path, size: size, recorded: recordedEnd)
        }
        if recordedEnd > 0 {
            guard try file.endsEntry(at: recordedEnd) else {
                throw .notAnEntryBoundary(path: path, offset: recordedEnd)
            }
        }
        if size > recordedEnd {
            guard ftruncate(descriptor, off_t(recordedEnd)) == 0, fsync(descriptor) == 0 else {
                throw .archive(ArchiveError("truncate", path: path, code: errno))
            }
            file.cutOff = size - recordedEnd
        }
        file.end = recordedEnd
        if created {
            do {
                try syncParent(of: relative)
            } catch {
                throw .archive(error)
            }
        }
        return file
    }

    /// The size of an mbox file, or nil when it is missing.
    public func fileSize(_ relative: String) -> Int64? {
        var info = stat()
        guard stat(root + "/" + relative, &info) == 0 else { return nil }
        return Int64(info.st_size)
    }

    /// Streams the message stored in the entry at `offset` (`length` bytes on disk): the `From `
    /// line is skipped, quoting undone, and exactly `size` bytes are passed to `body`.
    public func read(
        _ relative: String, offset: Int64, length: Int64, size: Int64,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        try MboxEntryReader(store: self, relative: relative, offset: offset, length: length, size: size).forEachChunk(
            body)
    }

    /// The `From ` line of an entry: the envelope sender (one word: whitespace and control
    /// characters removed, `MAILER-DAEMON` when nothing is left) and the date in asctime form, UTC
    /// (`From alice@example.org Tue Jan  2 15:04:05 2024`).
    public static func fromLine(sender: String, date: Int64) -> [UInt8] {
        let cleaned = sender.unicodeScalars.filter { $0.value > 0x20 && $0.value != 0x7F && !$0.properties.isWhitespace }
        let word = cleaned.isEmpty ? "MAILER-DAEMON" : String(String.UnicodeScalarView(cleaned))
        return Array("From \(word) \(asctime(date))\n".utf8)
    }

    /// `Www Mmm dd hh:mm:ss yyyy` (the day padded with a space), UTC.
    public static func asctime(_ seconds: Int64) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let day = parts.tm_mday < 10 ? " \(parts.tm_mday)" : "\(parts.tm_mday)"
        return "\(days[Int(parts.tm_wday)]) \(months[Int(parts.tm_mon)]) \(day) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) \(Int(parts.tm_year) + 1900)"
    }

    func makeParents(of relative: String) throws(ArchiveError) {
        try makeDirectories(root)
        var current = root
        for component in relative.split(separator: "/").dropLast() {
            current += "/" + component
            try makeDirectory(current)
        }
    }

    func syncParent(of relative: String) throws(ArchiveError) {
        let parent = relative.split(separator: "/").dropLast().joined(separator: "/")
        try syncDirectory(parent.isEmpty ? root : root + "/" + parent)
    }
}

/// Turns one message, streamed in chunks, into its mbox entry: the `From ` line, the message
/// quoted (`MboxQuoting`), a line end when it has none at its end, and the empty separator line.
public struct MboxEntryEncoder {
    var fromLine: [UInt8]?
    var quoting = MboxQuoting(.quote)
    var last: UInt8?

    public init(fromLine: [UInt8]) {
        self.fromLine = fromLine
    }

    public mutating func add(_ chunk: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        if let line = fromLine.take() { output.append(contentsOf: line) }
        guard let final = chunk.last else { return }
        last = final
        quoting.process(chunk, into: &output)
    }

    public mutating func finish(into output: inout [UInt8]) {
        if let line = fromLine.take() { output.append(contentsOf: line) }
        quoting.finish(into: &output)
        if let last, last != 0x0A { output.append(0x0A) }
        output.append(0x0A)
    }
}

/// Where one message lies in an mbox file: the offset of its `From ` line and the bytes of the
/// whole entry, separator included.
public struct MboxEntry: Sendable, Hashable {
    public var offset: Int64
    public var length: Int64

    public init(offset: Int64, length: Int64) {
        self.offset = offset
        self.length = length
    }
}

/// An mbox that cannot be appended to or read as the catalog describes it.
public enum MboxError: Error, Sendable, Hashable, CustomStringConvertible {
    case archive(ArchiveError)
    /// The file lost bytes the catalog recorded: something outside mailferry cut it.
    case shorterThanRecorded(path: String, size: Int64, recorded: Int64)
    /// The catalog's offsets do not fall on entry boundaries in the file.
    case notAnEntryBoundary(path: String, offset: Int64)
    case truncatedEntry(path: String, offset: Int64)
    /// A message file changed size between its fetch and its append.
    case sourceChanged(path: String, expected: Int, actual: Int)

    public var description: String {
        switch self {
        case .archive(let error): error.description
        case .shorterThanRecorded(let path, let size, let recorded):
            "\(path) is \(size) bytes but the catalog records \(recorded): mail recorded in it is missing; "
                + "it was left as it is and nothing more is appended to it"
        case .notAnEntryBoundary(let path, let offset):
            "\(path): byte \(offset) is not between two messages, where the catalog says it is; it was left as it is"
        case .truncatedEntry(let path, let offset): "\(path): the message at byte \(offset) is cut short"
        case .sourceChanged(let path, let expected, let actual):
            "\(path) changed while it was copied into an mbox (\(actual) bytes, expected \(expected))"
        }
    }

    /// The disk is full or the quota reached: every later write fails too.
    public var isOutOfSpace: Bool {
        if case .archive(let error) = self { return error.isOutOfSpace }
        return false
    }
}

/// One folder's mbox, open for appending. Entries are written at `end`; `sync()` makes them
/// durable; `rollBack(to:)` takes back entries the catalog will not record.
public final class MboxFile {
    let descriptor: Int32
    public let path: String
    /// Relative to the store's root.
    public let relative: String
    /// Where the next entry goes: the end of what was written.
    public internal(set) var end: Int64 = 0
    /// Bytes cut off the end on opening (a torn tail the catalog never recorded).
    public internal(set) var cutOff: Int64 = 0
    var isOpen = true

    init(descriptor: Int32, path: String, relative: String) {
        self.descriptor = descriptor
        self.path = path
        self.relative = relative
    }

    deinit {
        if isOpen { Glibc.close(descriptor) }
    }

    /// Appends one message, read from the file at `source` (exactly `size` bytes), as an entry.
    public func append(contentsOf source: String, size: Int, fromLine: [UInt8]) throws(MboxError) -> MboxEntry {
        let input = Glibc.open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw .archive(ArchiveError("open", path: source, code: errno)) }
        defer { Glibc.close(input) }
        let start = end
        var position = start
        var encoder = MboxEntryEncoder(fromLine: fromLine)
        var output: [UInt8] = []
        var read = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        do throws(MboxError) {
            while true {
                let count = Glibc.read(input, buffer.baseAddress, buffer.count)
                if count < 0 && errno == EINTR { continue }
                guard count >= 0 else { throw MboxError.archive(ArchiveError("read", path: source, code: errno)) }
                if count == 0 { break }
                read += count
                encoder.add(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), into: &output)
                if output.count >= 1 << 16 {
                    try write(output, at: &position)
                    output.removeAll(keepingCapacity: true)
                }
            }
            guard read == size else { throw MboxError.sourceChanged(path: source, expected: size, actual: read) }
            encoder.finish(into: &output)
            try write(output, at: &position)
        } catch {
            // Nothing of a failed entry stays behind the entries before it.
            _ = ftruncate(descriptor, off_t(start))
            throw error
        }
        end = position
        return MboxEntry(offset: start, length: position - start)
    }

    /// fsync: every entry appended so far is on disk.
    public func sync() throws(MboxError) {
        guard fdatasync(descriptor) == 0 else { throw .archive(ArchiveError("sync", path: path, code: errno)) }
    }

    /// Takes back everything after `offset` (entries of a batch the catalog did not record).
    public func rollBack(to offset: Int64) {
        guard offset < end else { return }
        if ftruncate(descriptor, off_t(offset)) == 0 {
            end = offset
            _ = fdatasync(descriptor)
        }
    }

    public func close() {
        guard isOpen else { return }
        isOpen = false
        Glibc.close(descriptor)
    }

    func write(_ bytes: [UInt8], at position: inout Int64) throws(MboxError) {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                pwrite(descriptor, raw.baseAddress! + written, raw.count - written, off_t(position))
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw .archive(ArchiveError("write", path: path, code: errno))
            }
            written += count
            position += Int64(count)
        }
    }

    /// True when the bytes before `offset` end an entry (its empty separator line). What follows
    /// may be anything: a torn tail is about to be cut off there.
    func endsEntry(at offset: Int64) throws(MboxError) -> Bool {
        var bytes: [UInt8] = [0, 0]
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 2, off_t(offset - 2)) }
        guard count >= 0 else { throw .archive(ArchiveError("read", path: path, code: errno)) }
        return count == 2 && bytes == [0x0A, 0x0A]
    }
}

/// One mbox entry opened for reading: the message's exact bytes, its `From ` line skipped and its mboxrd
/// quoting undone, `size` bytes and no more (the entry's closing empty line is not the message's).
public final class MboxEntryReader: ArchivedMessage {
    public let path: String
    public let size: Int
    /// The mbox file.
    let file: String
    let offset: Int64
    let end: Int64
    let descriptor: Int32
    var position: Int64 = 0
    var inFromLine = true
    var unquoting = MboxQuoting(.unquote)
    var finished = false
    var remaining = 0
    /// Unquoted bytes not handed out yet, from `pendingStart`.
    var pending: [UInt8] = []
    var pendingStart = 0
    let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)

    public init(store: MboxStore, relative: String, offset: Int64, length: Int64, size: Int64) throws(ArchiveError) {
        file = store.root + "/" + relative
        path = "\(file) at byte \(offset)"
        self.size = Int(size)
        self.offset = offset
        end = offset + length
        descriptor = Glibc.open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            chunk.deallocate()
            throw ArchiveError("open", path: file, code: errno)
        }
        rewind()
    }

    deinit {
        close(descriptor)
        chunk.deallocate()
    }

    public func rewind() {
        position = offset
        inFromLine = true
        unquoting = MboxQuoting(.unquote)
        finished = false
        remaining = size
        pending.removeAll(keepingCapacity: true)
        pendingStart = 0
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(MboxError) -> Int {
        while pendingStart == pending.count {
            guard remaining > 0 else { return 0 }
            try refill()
        }
        let count = min(buffer.count, pending.count - pendingStart)
        pending[pendingStart..<pendingStart + count].withUnsafeBytes { buffer.copyMemory(from: $0) }
        pendingStart += count
        return count
    }

    /// Reads and unquotes the next bytes of the entry into `pending`.
    private func refill() throws(MboxError) {
        pending.removeAll(keepingCapacity: true)
        pendingStart = 0
        guard position < end else {
            guard !finished else { throw MboxError.truncatedEntry(path: file, offset: offset) }
            finished = true
            unquoting.finish(into: &pending)
            take()
            return
        }
        let wanted = Int(min(Int64(chunk.count), end - position))
        let count = pread(descriptor, chunk.baseAddress, wanted, off_t(position))
        if count < 0 && errno == EINTR { return }
        guard count > 0 else { throw MboxError.truncatedEntry(path: file, offset: offset) }
        if position == offset {
            guard count >= 5, memcmp(chunk.baseAddress!, "From ", 5) == 0 else {
                throw MboxError.notAnEntryBoundary(path: file, offset: offset)
            }
        }
        position += Int64(count)
        var bytes = UnsafeRawBufferPointer(rebasing: chunk[0..<count])
        if inFromLine {
            guard let newline = memchr(bytes.baseAddress!, 0x0A, bytes.count) else { return }
            inFromLine = false
            bytes = UnsafeRawBufferPointer(rebasing: bytes[(UnsafeRawPointer(newline) - bytes.baseAddress! + 1)...])
        }
        unquoting.process(bytes, into: &pending)
        take()
    }

    /// Keeps no more of `pending` than the message has left.
    private func take() {
        if pending.count > remaining { pending.removeSubrange(remaining...) }
        remaining -= pending.count
    }
}
