/// A file-system operation on an archive failed.
public struct ArchiveError: Error, Sendable, Hashable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var code: Int32

    public init(_ operation: String, path: String, code: Int32) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    public var description: String { "cannot \(operation) \(path): \(String(cString: strerror(code)))" }
    /// The disk is full or the quota is reached: every later write will fail too.
    public var isOutOfSpace: Bool { code == ENOSPC || code == EDQUOT }
}

#if canImport(Glibc)
    import Glibc
#endif
