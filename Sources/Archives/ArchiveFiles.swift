#if canImport(Glibc)
    import Glibc
#endif

/// Creates a directory (owner-only) and its parents where missing.
func makeDirectories(_ path: String) throws(ArchiveError) {
    var current = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") {
        current += "/" + component
        try makeDirectory(current)
    }
}

/// Creates one directory, owner-only; one that exists is fine.
func makeDirectory(_ path: String) throws(ArchiveError) {
    if mkdir(path, 0o700) != 0, errno != EEXIST { throw ArchiveError("create directory", path: path, code: errno) }
}

/// fsync on a directory: renames and new entries in it are durable.
func syncDirectory(_ path: String) throws(ArchiveError) {
    let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else { throw ArchiveError("open", path: path, code: errno) }
    defer { close(descriptor) }
    guard fsync(descriptor) == 0 else { throw ArchiveError("sync", path: path, code: errno) }
}
