import CArchive

#if canImport(Glibc)
    import Glibc
#endif

/// A tar or zip file (any compression libarchive knows) read as a stream: entries one after
/// another, their bytes in chunks. Nothing is ever extracted: an entry's name is only data, so a
/// name like `../../x` or `/etc/x` can point nowhere.
public final class ArchiveInput {
    /// One entry's header.
    public struct Entry: Sendable, Hashable {
        /// The name as the archive spells it (never used as a path on disk).
        public var name: String
        public var isFile: Bool
        public var size: Int64?
    }

    public let path: String
    let handle: OpaquePointer

    /// True when the file's name says it is an archive this reads.
    public static func handles(fileName: String) -> Bool {
        let name = fileName.lowercased()
        return [".zip", ".tar", ".tgz", ".tar.gz", ".tar.xz", ".tar.zst", ".tar.bz2", ".txz"].contains { name.hasSuffix($0) }
    }

    public init(path: String) throws(ImportArchiveError) {
        self.path = path
        guard let handle = archive_read_new() else { throw .libarchive(path, "out of memory") }
        self.handle = handle
        archive_read_support_filter_all(handle)
        archive_read_support_format_tar(handle)
        archive_read_support_format_zip(handle)
        archive_read_support_format_gnutar(handle)
        guard archive_read_open_filename(handle, path, 1 << 16) == ARCHIVE_OK else {
            // Freed by deinit: every property is set by now.
            throw .libarchive(path, Self.message(handle))
        }
    }

    deinit { archive_read_free(handle) }

    /// The next entry's header, or nil at the end of the archive. A damaged or cut archive throws.
    public func next() throws(ImportArchiveError) -> Entry? {
        var entry: OpaquePointer?
        let previous = ExportArchive.utf8Locale.map { uselocale($0) }
        defer { if let previous { uselocale(previous) } }
        let status = archive_read_next_header(handle, &entry)
        if status == ARCHIVE_EOF { return nil }
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else {
            throw .libarchive(path, Self.message(handle))
        }
        let name =
            archive_entry_pathname_utf8(entry).map { String(cString: $0) }
            ?? archive_entry_pathname(entry).map { String(decoding: Array(String(cString: $0).utf8), as: UTF8.self) } ?? ""
        let type = archive_entry_filetype(entry)
        return Entry(
            name: name, isFile: type == 0o100000,
            size: archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : nil)
    }

    /// Reads the current entry's next bytes into `buffer`; 0 at its end.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ImportArchiveError) -> Int {
        let count = archive_read_data(handle, buffer.baseAddress, buffer.count)
        guard count >= 0 else { throw .libarchive(path, Self.message(handle)) }
        return count
    }

    /// Calls `body` with each chunk of the current entry.
    public func forEachChunk(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try Archives.forEachChunk(read: { buffer throws(ImportArchiveError) in try read(into: buffer) }, body)
    }

    static func message(_ handle: OpaquePointer) -> String {
        archive_error_string(handle).map { String(cString: $0) } ?? "libarchive failed"
    }
}

/// An archive that cannot be read (damaged, cut short, not an archive).
public enum ImportArchiveError: Error, Sendable, Hashable, CustomStringConvertible {
    case libarchive(String, String)

    public var description: String {
        switch self {
        case .libarchive(let path, let message): "\(path): cannot read the archive: \(message)"
        }
    }
}
