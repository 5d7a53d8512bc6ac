import MailCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A tree of Maildirs (`DIR/maildir/<account>/<folder path>/{tmp,new,cur}`), written durably:
/// bytes land in `tmp/`, are fsynced, then renamed into `cur/`; directories are fsynced before the
/// catalog records anything.
///
/// Every path below the root is built from escaped components (`PathComponent`), so nothing a
/// server sends can point outside the root. Directories are created 0700, files 0600.
public struct MaildirStore: Sendable {
    public let root: String
    static let hostname: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let name = String(decoding: bytes, as: UTF8.self).replacingSlashAndColon()
        return name.isEmpty ? "localhost" : name
    }()

    public init(root: String) {
        self.root = root
    }

    /// The folder's directory relative to the root: `<account>/<folder path>`.
    public static func folderDirectory(account: String, folder: FolderPath) -> String {
        ([PathComponent.escape(account)] + folder.components).joined(separator: "/")
    }

    /// Creates the folder's Maildir (and its parents) if needed.
    public func ensureFolder(_ relative: String) throws(ArchiveError) {
        try makeDirectories(root)
        var path = root
        for component in relative.split(separator: "/") {
            path += "/" + component
            try makeDirectory(path)
        }
        for sub in ["tmp", "new", "cur"] { try makeDirectory(path + "/" + sub) }
    }

    /// A new file in the folder's `tmp/`, to be filled and then committed or discarded.
    public func createTemporary(in folder: String) throws(ArchiveError) -> MaildirTemporaryFile {
        let name = Self.uniqueName()
        let relative = folder + "/tmp/" + name
        let path = root + "/" + relative
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ArchiveError("create", path: path, code: errno) }
        return MaildirTemporaryFile(descriptor: descriptor, path: path, folder: folder)
    }

    /// Moves a temporary file (made durable by `finish()` or `syncFileSystem()`) into `cur/` under `name` and returns its path relative to
    /// the root. The caller fsyncs `cur/` (once per batch) before recording it.
    public func commit(_ file: MaildirTemporaryFile, name: String) throws(ArchiveError) -> String {
        let relative = file.folder + "/cur/" + name
        let target = root + "/" + relative
        guard rename(file.path, target) == 0 else { throw ArchiveError("rename", path: target, code: errno) }
        return relative
    }

    /// Stores another placement of an already archived message as a hard link (a copy where
    /// links are not possible); returns the new path relative to the root.
    public func link(existing relative: String, into folder: String, name: String) throws(ArchiveError) -> String {
        let source = root + "/" + relative
        let targetRelative = folder + "/cur/" + name
        let target = root + "/" + targetRelative
        if Glibc.link(source, target) == 0 { return targetRelative }
        if errno == EEXIST { return targetRelative }
        let linkError = errno
        guard linkError == EXDEV || linkError == EPERM || linkError == EMLINK else {
            throw ArchiveError("link", path: target, code: linkError)
        }
        try copyFile(from: source, to: target)
        return targetRelative
    }

    /// Gives a message file a second name whose `:2,` info shows new flags (a hard link) and
    /// returns it. The caller records the new name, then removes the old one: at every instant the
    /// name the catalog holds exists. Where links are impossible the file is renamed instead.
    public func addName(_ relative: String, flags: [String]) throws(ArchiveError) -> String {
        guard relative.contains(":") else { return relative }
        let updated = String(Self.uniquePart(of: relative)) + Self.info(flags: flags)
        guard updated != relative else { return relative }
        let source = root + "/" + relative
        let target = root + "/" + updated
        if Glibc.link(source, target) == 0 || errno == EEXIST { return updated }
        let linkError = errno
        guard linkError == EPERM || linkError == EMLINK || linkError == ENOTSUP else {
            throw ArchiveError("link", path: target, code: linkError)
        }
        guard rename(source, target) == 0 else { throw ArchiveError("rename", path: source, code: errno) }
        return updated
    }

    /// Removes one name of a message file (an old name after `addName`); a name already gone is fine.
    public func removeName(_ relative: String) throws(ArchiveError) {
        guard unlink(root + "/" + relative) == 0 || errno == ENOENT else {
            throw ArchiveError("remove", path: root + "/" + relative, code: errno)
        }
    }

    /// Which file a name leads to (two hard links give the same), or nil when it is missing.
    public func identity(of relative: String) -> FileIdentity? {
        var info = stat()
        guard stat(root + "/" + relative, &info) == 0 else { return nil }
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// Makes everything written to the archive's file system durable at once (`syncfs`): one
    /// flush for a whole batch instead of one fsync per message.
    public func syncFileSystem() throws(ArchiveError) {
        let descriptor = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ArchiveError("open", path: root, code: errno) }
        defer { close(descriptor) }
        guard let syncfs = Self.syncfs else {
            // No syncfs (not Linux): the caller's fsyncs are the only way.
            throw ArchiveError("sync", path: root, code: ENOSYS)
        }
        guard syncfs(descriptor) == 0 else { throw ArchiveError("sync", path: root, code: errno) }
    }

    /// glibc's `syncfs`, which the Swift Glibc module does not export (it needs _GNU_SOURCE).
    static let syncfs: (@convention(c) (Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syncfs") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32) -> Int32).self)
    }()

    public static var canSyncFileSystem: Bool { syncfs != nil }

    /// fsync on a directory (below the root), making renames in it durable.
    public func syncDirectory(_ relative: String) throws(ArchiveError) {
        try Archives.syncDirectory(relative.isEmpty ? root : root + "/" + relative)
    }

    /// `:2,` followed by the Maildir letters of the IMAP system flags, in ASCII order. Keywords are
    /// kept in the catalog only.
    public static func info(flags: [String]) -> String {
        var letters: [Character] = []
        for flag in flags {
            switch flag.lowercased() {
            case "\\draft": letters.append("D")
            case "\\flagged": letters.append("F")
            case "\\answered": letters.append("R")
            case "\\seen": letters.append("S")
            case "\\deleted": letters.append("T")
            default: break
            }
        }
        return ":2," + String(Set(letters).sorted())
    }

    /// `<seconds>.M<micro>P<pid>Q<counter>R<random>.<host>`: unique across processes and hosts.
    static func uniqueName() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let counter = Counter.next()
        let random = UInt32.random(in: 0...UInt32.max)
        return "\(now.tv_sec).M\(now.tv_nsec / 1000)P\(getpid())Q\(counter)R\(String(random, radix: 16)).\(hostname)"
    }

    /// The final file name for a message: a unique base, the start of its SHA-256 (which lets a
    /// later run recognise a file the catalog never recorded), and the flags.
    public static func messageName(flags: [String], sha256Hex: String? = nil) -> String {
        uniqueName() + (sha256Hex.map { ",H=" + $0.prefix(16) } ?? "") + info(flags: flags)
    }

    /// A message path without its `:2,` info: what stays the same when its flags change.
    public static func uniquePart(of path: String) -> Substring {
        guard let colon = path.lastIndex(of: ":") else { return path[...] }
        return path[..<colon]
    }

    /// The hash prefix a message name carries, if any.
    public static func hashTag(ofName name: Substring) -> Substring? {
        var index = name.startIndex
        while index < name.endIndex {
            if name[index...].hasPrefix(",H=") {
                let rest = name[name.index(index, offsetBy: 3)...]
                let tag = rest.prefix { $0 != ":" && $0 != "," }
                return tag.count == 16 ? tag : nil
            }
            index = name.index(after: index)
        }
        return nil
    }

    /// Names of the files in a folder's `cur/` and `new/` (relative to the root).
    public func messageFiles(in folder: String) -> [String] {
        var result: [String] = []
        for sub in ["cur", "new"] {
            let directory = root + "/" + folder + "/" + sub
            guard let handle = opendir(directory) else { continue }
            defer { closedir(handle) }
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name.hasPrefix(".") { continue }
                result.append(folder + "/" + sub + "/" + name)
            }
        }
        return result
    }

    /// Removes what a killed run left in a folder's `tmp/`.
    public func clearTemporary(in folder: String) {
        let directory = root + "/" + folder + "/tmp"
        guard let handle = opendir(directory) else { return }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        closedir(handle)
        for name in names { unlink(directory + "/" + name) }
    }

    /// Renames a file within the archive (adopting an orphan under its proper name).
    public func move(_ relative: String, to newRelative: String) throws(ArchiveError) {
        guard relative != newRelative else { return }
        guard rename(root + "/" + relative, root + "/" + newRelative) == 0 else {
            throw ArchiveError("rename", path: root + "/" + relative, code: errno)
        }
    }

    /// The size of an archived file, or nil when it is missing.
    public func fileSize(_ relative: String) -> Int? {
        var info = stat()
        guard stat(root + "/" + relative, &info) == 0 else { return nil }
        return Int(info.st_size)
    }

    func copyFile(from source: String, to target: String) throws(ArchiveError) {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw ArchiveError("open", path: source, code: errno) }
        defer { close(input) }
        let output = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw ArchiveError("create", path: target, code: errno) }
        defer { close(output) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(input, buffer.baseAddress, buffer.count)
            if count == 0 { break }
            guard count > 0 else { throw ArchiveError("read", path: source, code: errno) }
            try writeAll(output, UnsafeRawBufferPointer(rebasing: buffer[0..<count]), path: target)
        }
        guard fsync(output) == 0 else { throw ArchiveError("sync", path: target, code: errno) }
    }
}

/// A file as the file system knows it, whatever its names.
public struct FileIdentity: Hashable, Sendable {
    public var device: UInt64
    public var inode: UInt64
}

/// A message being written into `tmp/`.
public final class MaildirTemporaryFile {
    let descriptor: Int32
    public let path: String
    let folder: String
    public internal(set) var size = 0
    var isOpen = true

    init(descriptor: Int32, path: String, folder: String) {
        self.descriptor = descriptor
        self.path = path
        self.folder = folder
    }

    deinit {
        if isOpen { close(descriptor) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(ArchiveError) {
        try writeAll(descriptor, bytes, path: path)
        size += bytes.count
    }

    /// fsync without closing.
    public func sync() throws(ArchiveError) {
        guard isOpen else { return }
        guard fsync(descriptor) == 0 else { throw ArchiveError("sync", path: path, code: errno) }
    }

    /// Closes without syncing: the caller makes the batch durable with `syncFileSystem()`.
    public func closeUnsynced() throws(ArchiveError) {
        guard isOpen else { return }
        isOpen = false
        guard Glibc.close(descriptor) == 0 else { throw ArchiveError("close", path: path, code: errno) }
    }

    /// fsync and close: the bytes are on disk.
    public func finish() throws(ArchiveError) {
        guard isOpen else { return }
        isOpen = false
        let synced = fsync(descriptor) == 0
        let code = errno
        close(descriptor)
        guard synced else { throw ArchiveError("sync", path: path, code: code) }
    }

    /// Throws the file away (a failed or duplicate message).
    public func discard() {
        if isOpen {
            close(descriptor)
            isOpen = false
        }
        unlink(path)
    }
}

func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(ArchiveError) {
    var offset = 0
    while offset < bytes.count {
        let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
        if written < 0 {
            if errno == EINTR { continue }
            throw ArchiveError("write", path: path, code: errno)
        }
        offset += written
    }
}

enum Counter {
    static let value = Atomic<UInt64>(0)
    static func next() -> UInt64 { value.add(1, ordering: .relaxed).newValue }
}

extension String {
    fileprivate func replacingSlashAndColon() -> String {
        String(map { $0 == "/" || $0 == ":" ? "_" : $0 })
    }
}

extension MaildirStore {
    /// Gives a file in `tmp/` a second name in another folder's `tmp/` (a hard link, a copy where
    /// links are impossible) and returns it as that folder's temporary file: one message placed
    /// in several folders is written once. The caller discards the first name when it is done.
    public func linkTemporary(_ path: String, into folder: String) throws(ArchiveError) -> MaildirTemporaryFile {
        let target = root + "/" + folder + "/tmp/" + Self.uniqueName()
        if Glibc.link(path, target) != 0 {
            let linkError = errno
            guard linkError == EXDEV || linkError == EPERM || linkError == EMLINK else {
                throw ArchiveError("link", path: target, code: linkError)
            }
            try copyFile(from: path, to: target)
        }
        let descriptor = open(target, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ArchiveError("open", path: target, code: errno) }
        let file = MaildirTemporaryFile(descriptor: descriptor, path: target, folder: folder)
        var info = stat()
        if fstat(descriptor, &info) == 0 { file.size = Int(info.st_size) }
        return file
    }
}
