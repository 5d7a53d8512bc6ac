import CArchive

#if canImport(Glibc)
    import Glibc
#endif

/// A tar or zip file written as a stream through libarchive: entries go out one after another,
/// their bytes in chunks, so nothing is staged on disk or held whole in memory.
///
/// The kind comes from the file name: `.tar`, `.tar.gz`/`.tgz`, `.tar.xz`, `.tar.zst`, `.zip`.
/// The archive is written to `<file>.partial` and renamed when `finish()` succeeds: a file with
/// the final name is always complete.
public final class ExportArchive {
    public enum Kind: String, Sendable, CaseIterable {
        case tar
        case tarGzip = "tar.gz"
        case tarXz = "tar.xz"
        case tarZstd = "tar.zst"
        case zip

        /// The kind a file name asks for, or nil.
        public init?(fileName: String) {
            let name = fileName.lowercased()
            if name.hasSuffix(".tgz") {
                self = .tarGzip
                return
            }
            guard let kind = Self.allCases.first(where: { name.hasSuffix("." + $0.rawValue) }) else { return nil }
            self = kind
        }
    }

    public let path: String
    let partial: String
    /// The `.partial` file; libarchive writes to it but never closes it.
    let descriptor: Int32
    let handle: OpaquePointer
    let entry: OpaquePointer
    var finished = false

    /// Creates `<path>.partial` (never overwriting anything) and opens it for writing.
    public init(path: String) throws(ExportError) {
        guard let kind = Kind(fileName: path) else { throw .unknownKind(path) }
        self.path = path
        partial = path + ".partial"
        var info = stat()
        guard stat(path, &info) != 0 else { throw .exists(path) }
        let descriptor = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .archive(ArchiveError("create", path: partial, code: errno)) }
        self.descriptor = descriptor
        guard let handle = archive_write_new(), let entry = archive_entry_new() else {
            close(descriptor)
            unlink(partial)
            throw .libarchive("out of memory")
        }
        self.handle = handle
        self.entry = entry
        var status: Int32
        switch kind {
        case .zip: status = archive_write_set_format_zip(handle)
        default: status = archive_write_set_format_pax_restricted(handle)
        }
        if status == ARCHIVE_OK {
            switch kind {
            case .tarGzip: status = archive_write_add_filter_gzip(handle)
            case .tarXz: status = archive_write_add_filter_xz(handle)
            case .tarZstd: status = archive_write_add_filter_zstd(handle)
            case .tar, .zip: break
            }
        }
        if status == ARCHIVE_OK { status = archive_write_open_fd(handle, descriptor) }
        guard status == ARCHIVE_OK else {
            let message = Self.message(handle)
            archive_write_free(handle)
            archive_entry_free(entry)
            close(descriptor)
            unlink(partial)
            throw .libarchive(message)
        }
    }

    deinit {
        if !finished {
            archive_write_free(handle)
            close(descriptor)
            unlink(partial)
        }
        archive_entry_free(entry)
    }

    /// A directory entry (owner-only).
    public func addDirectory(_ name: String, modified: Int64) throws(ExportError) {
        try header(name, type: S_IFDIR, permissions: 0o700, size: 0, modified: modified)
    }

    /// A file entry of exactly `size` bytes, which `contents` passes to the writer it is given.
    public func addFile(
        _ name: String, size: Int64, modified: Int64,
        contents: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) throws {
        try header(name, type: S_IFREG, permissions: 0o600, size: size, modified: modified)
        var written: Int64 = 0
        try contents { chunk in
            guard written + Int64(chunk.count) <= size else { throw ExportError.sizeMismatch(name, expected: size) }
            var offset = 0
            while offset < chunk.count {
                let count = archive_write_data(handle, chunk.baseAddress! + offset, chunk.count - offset)
                guard count > 0 else { throw ExportError.libarchive(Self.message(handle)) }
                offset += count
            }
            written += Int64(chunk.count)
        }
        guard written == size else { throw ExportError.sizeMismatch(name, expected: size) }
        guard archive_write_finish_entry(handle) == ARCHIVE_OK else { throw ExportError.libarchive(Self.message(handle)) }
    }

    /// Ends the archive, makes it durable and gives it its final name.
    public func finish() throws(ExportError) {
        guard archive_write_close(handle) == ARCHIVE_OK else { throw .libarchive(Self.message(handle)) }
        archive_write_free(handle)
        finished = true
        let synced = fsync(descriptor) == 0
        let code = errno
        close(descriptor)
        guard synced else {
            unlink(partial)
            throw .archive(ArchiveError("sync", path: partial, code: code))
        }
        guard rename(partial, path) == 0 else {
            let code = errno
            unlink(partial)
            throw .archive(ArchiveError("rename", path: path, code: code))
        }
    }

    func header(_ name: String, type: mode_t, permissions: mode_t, size: Int64, modified: Int64) throws(ExportError) {
        // libarchive converts names through the thread's locale: a UTF-8 one, whatever the process's.
        let previous = Self.utf8Locale.map { uselocale($0) }
        defer { if let previous { uselocale(previous) } }
        archive_entry_clear(entry)
        archive_entry_set_pathname_utf8(entry, name)
        archive_entry_set_filetype(entry, UInt32(type))
        archive_entry_set_perm(entry, permissions)
        archive_entry_set_size(entry, size)
        archive_entry_set_mtime(entry, time_t(modified), 0)
        guard archive_write_header(handle, entry) == ARCHIVE_OK else { throw .libarchive(Self.message(handle)) }
    }

    nonisolated(unsafe) static let utf8Locale: locale_t? = newlocale(LC_CTYPE_MASK, "C.UTF-8", nil)

    static func message(_ handle: OpaquePointer) -> String {
        archive_error_string(handle).map { String(cString: $0) } ?? "libarchive failed"
    }
}

/// Why an export archive could not be written.
public enum ExportError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownKind(String)
    case exists(String)
    case archive(ArchiveError)
    case libarchive(String)
    case sizeMismatch(String, expected: Int64)

    public var description: String {
        switch self {
        case .unknownKind(let path):
            "\(path): the name must end in .tar, .tar.gz, .tgz, .tar.xz, .tar.zst or .zip"
        case .exists(let path): "\(path) exists; mailferry export never overwrites a file"
        case .archive(let error): error.description
        case .libarchive(let message): "writing the archive: \(message)"
        case .sizeMismatch(let name, let expected): "\(name): the bytes read were not the \(expected) recorded"
        }
    }
}
