import Archives

/// A failure of the backup's files (Archives' errors), as the command line reports it, which
/// cannot see Archives' types.
public struct StorageFailure: Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// A file name or path the user gave cannot be used.
        case usage
        /// Writing or reading the archive failed: the disk, or damage.
        case storage
    }

    public var description: String
    public var kind: Kind

    public init?(_ error: any Error) {
        switch error {
        case let error as ExportError:
            switch error {
            case .unknownKind, .exists:
                (description, kind) = (error.description, .usage)
            case .archive, .libarchive, .sizeMismatch:
                (description, kind) = (error.description + "; no file was left behind", .storage)
            }
        case let error as MboxError:
            (description, kind) = (error.description, .storage)
        case let error as ArchiveError:
            (description, kind) = (error.description, .storage)
        default:
            return nil
        }
    }
}
