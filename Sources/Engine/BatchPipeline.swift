/// Gathers fetched messages into batches and hands each to the committer, so that one batch is
/// committed while the next is fetched. Used by the IMAP folder pass and the POP3 pass alike.
final class BatchPipeline {
    struct Limits {
        var messages = 200
        var bytes = 32 << 20
    }

    let committer: BatchCommitter
    let limits: Limits
    let journal: WriteJournal?
    /// Called with each committed batch's outcome, in order.
    let onCommitted: (BatchCommitter.Outcome) -> Void
    private var batch: [FetchedMessage] = []
    private var batchBytes = 0
    private var committing: Task<BatchCommitter.Outcome, any Error>?

    init(
        committer: BatchCommitter, limits: Limits, journal: WriteJournal? = nil,
        onCommitted: @escaping (BatchCommitter.Outcome) -> Void
    ) {
        self.committer = committer
        self.limits = limits
        self.journal = journal
        self.onCommitted = onCommitted
    }

    /// Adds a message (its file is the pipeline's from now on); a full batch is handed over.
    func add(_ message: FetchedMessage) async throws {
        batch.append(message)
        batchBytes += message.size
        if batch.count >= limits.messages || batchBytes >= limits.bytes {
            try await handOver()
        }
    }

    /// Commits everything added so far and waits for it.
    func finish() async throws {
        try await handOver()
        try await settle()
    }

    /// After a failure: drops the batch being gathered (its files leave `tmp/`) and waits for the
    /// one being committed, so that nothing is left half-handled.
    func abandon() async {
        journal.cleanUp { for message in batch { message.file.discard() } }
        batch = []
        if let committing, let outcome = try? await committing.value { onCommitted(outcome) }
        committing = nil
    }

    /// Commits the current batch (beside the fetching of the next) once the previous commit is done.
    func handOver() async throws {
        guard !batch.isEmpty else {
            try await settle()
            return
        }
        let handed = batch
        let committer = self.committer
        batch = []
        batchBytes = 0
        do {
            try await settle()
        } catch {
            journal.cleanUp { for message in handed { message.file.discard() } }
            throw error
        }
        committing = Task { try committer.commit(handed) }
    }

    /// Waits for the batch being committed and reports it.
    func settle() async throws {
        guard let task = committing else { return }
        committing = nil
        onCommitted(try await task.value)
    }
}
