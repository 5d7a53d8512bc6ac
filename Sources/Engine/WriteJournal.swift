import Synchronization

/// Counts a backup's durable writes in order, so that a test can stop a run after any one of them
/// and prove the next run ends in the same state (DESIGN.md: the isync loop).
///
/// Real runs carry none: each step is then one nil check. A test hands one to `BackupJob.journal`
/// (internal: neither the job file nor the command line can reach it). Once `limit` writes are
/// done, the next write throws `SimulatedCrash` instead of happening, and so does every later one;
/// cleanup that a killed process never gets to do (removing its files from `tmp/`, closing the
/// run's record) is skipped as well.
final class WriteJournal: Sendable {
    enum Step: String, Sendable {
        /// One catalog transaction.
        case catalog
        /// A folder's row saved (UIDVALIDITY, high-water marks, last seen).
        case folderRecord
        /// Message files in `tmp/` made durable: one `syncfs`, or one file's fsync.
        case syncFiles
        /// A message file renamed, linked or adopted into `cur/`.
        case rename
        /// A directory fsynced.
        case syncDirectory
        /// A message appended to a folder's mbox.
        case mboxAppend
        /// A file given a second name showing new flags.
        case flagRename
        /// A second name of a file removed.
        case removeName
        /// POP3 DELE for the messages the policy lets go.
        case pop3Delete
        /// POP3 QUIT: the server removes what was marked.
        case pop3Quit
    }

    private struct State {
        var steps: [Step] = []
        var crashed = false
    }

    /// How many writes may happen; nil counts without stopping.
    let limit: Int?
    private let state = Mutex(State())

    init(limit: Int? = nil) {
        self.limit = limit
    }

    /// Called just before a durable write: throws instead when the run has made its last one.
    func write(_ step: Step) throws(SimulatedCrash) {
        let crash = state.withLock { state -> SimulatedCrash? in
            if state.crashed { return SimulatedCrash(after: state.steps.count, refused: step) }
            if let limit, state.steps.count >= limit {
                state.crashed = true
                return SimulatedCrash(after: state.steps.count, refused: step)
            }
            state.steps.append(step)
            return nil
        }
        if let crash { throw crash }
    }

    /// The writes made, in order.
    var steps: [Step] { state.withLock { $0.steps } }

    var hasCrashed: Bool { state.withLock { $0.crashed } }
}

extension Optional where Wrapped == WriteJournal {
    /// Counts a durable write about to happen (nothing when there is no journal).
    func write(_ step: WriteJournal.Step) throws(SimulatedCrash) {
        try self?.write(step)
    }

    /// Cleanup after a failure, which a crashed process would never run.
    func cleanUp(_ body: () -> Void) {
        if self?.hasCrashed != true { body() }
    }
}

/// A test's stand-in for the process dying between two writes.
struct SimulatedCrash: Error, Sendable, CustomStringConvertible {
    /// Writes made before it.
    var after: Int
    /// The write that did not happen.
    var refused: WriteJournal.Step

    var description: String { "simulated crash after \(after) writes, before \(refused.rawValue)" }
}
