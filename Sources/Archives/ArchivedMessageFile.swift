#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An archived message opened for reading, to stream its exact bytes back to a server: a Maildir file
/// or an mbox entry.
public protocol ArchivedMessage: AnyObject {
    /// Where it lies, for messages: a path, and an offset in an mbox.
    var path: String { get }
    /// The message's size in bytes (an mbox entry's unquoted size).
    var size: Int { get }
    /// Reads the next bytes into `buffer`; 0 at the end of the message.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    /// Back to the first byte.
    func rewind() throws
}

extension ArchivedMessage {
    /// Calls `body` with each chunk of the message, from the start.
    public func forEachChunk(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try rewind()
        try Archives.forEachChunk(read: { buffer in try read(into: buffer) }, body)
    }
}

/// A Maildir message file opened for reading.
public final class ArchivedMessageFile: ArchivedMessage {
    public let path: String
    public let size: Int
    let descriptor: Int32

    /// Opens a message file of the store (path relative to its root).
    public init(store: MaildirStore, relative: String) throws(ArchiveError) {
        path = store.root + "/" + relative
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ArchiveError("open", path: path, code: errno) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let code = errno
            close(descriptor)
            throw ArchiveError("stat", path: path, code: code)
        }
        size = Int(info.st_size)
    }

    deinit { close(descriptor) }

    /// Reads the next bytes into `buffer`; 0 at the end of the file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        guard buffer.count > 0 else { return 0 }
        while true {
            let count = systemRead(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { throw ArchiveError("read", path: path, code: errno) }
        }
    }

    /// Back to the first byte.
    public func rewind() throws(ArchiveError) {
        guard lseek(descriptor, 0, SEEK_SET) == 0 else { throw ArchiveError("seek", path: path, code: errno) }
    }
}

/// Reads a stream to its end through a 64 KiB buffer, handing `body` each chunk.
func forEachChunk<Failure: Error>(
    read: (UnsafeMutableRawBufferPointer) throws(Failure) -> Int, _ body: (UnsafeRawBufferPointer) throws -> Void
) throws {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
    defer { buffer.deallocate() }
    while true {
        let count = try read(buffer)
        if count == 0 { return }
        try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
    }
}

extension ArchivedMessageFile {
    /// True when the file's first bytes are exactly `prefix` (a message's header block, say).
    public func starts(with prefix: [UInt8]) throws -> Bool {
        guard prefix.count <= size else { return false }
        var match = PrefixMatch(prefix)
        try forEachChunk { match.feed($0) }
        return match.matched
    }
}

/// Whether a stream of chunks begins with given bytes; chunks past the prefix are ignored.
public struct PrefixMatch {
    let prefix: [UInt8]
    var offset = 0
    var mismatch = false

    public init(_ prefix: [UInt8]) { self.prefix = prefix }

    public mutating func feed(_ chunk: UnsafeRawBufferPointer) {
        guard !mismatch, offset < prefix.count else { return }
        let count = min(chunk.count, prefix.count - offset)
        mismatch = !prefix[offset..<offset + count].elementsEqual(chunk[0..<count])
        offset += count
    }

    /// True once every byte of the prefix arrived and matched.
    public var matched: Bool { !mismatch && offset == prefix.count }
}

/// read(2), under a name the method `read(into:)` does not hide.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
