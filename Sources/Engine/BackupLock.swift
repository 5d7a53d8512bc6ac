import Foundation

/// The `DIR/.lock` flock that keeps a second run away from a backup directory.
public final class BackupLock {
    let descriptor: Int32
    public let path: String

    /// Takes the lock or throws `EngineError.locked` at once: never waits.
    public init(directory: String) throws {
        path = (directory as NSString).appendingPathComponent(".lock")
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw EngineError.cannotUse(directory, String(cString: strerror(errno)))
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw EngineError.locked(directory)
        }
        let pid = "\(getpid())\n"
        ftruncate(descriptor, 0)
        _ = pid.withCString { write(descriptor, $0, strlen($0)) }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
