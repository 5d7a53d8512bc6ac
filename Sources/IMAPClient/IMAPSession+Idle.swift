import IMAPCore

extension IMAPSession {
    /// IDLE (RFC 2177): waits for news in the selected mailbox. Each untagged response goes to
    /// `handler`; IDLE ends when the handler returns true or after `maxSeconds` (servers drop
    /// idle clients after 30 minutes, so keep it below that).
    public func idle(maxSeconds: Int64, handler: (UntaggedResponse) -> Bool) async throws {
        guard hasCapability("IDLE") else { throw IMAPError.mechanismNotOffered("IDLE") }
        let tag = try await send(.idle)
        try await awaitContinuation(for: tag)
        let done = connection.scheduleWrite(CommandEncoder.idleDone, afterSeconds: maxSeconds)
        readTimeoutOverride = maxSeconds + endpoint.readTimeoutSeconds
        defer { readTimeoutOverride = nil }
        while true {
            let event = try await nextEvent()
            switch event {
            case .untagged(let untagged):
                absorb(untagged)
                if handler(untagged) { try await done.fireNow() }
            case .tagged(let tagged) where tagged.tag == tag:
                try await done.fireNow()
                guard tagged.status == .ok else {
                    throw IMAPError.commandFailed(command: "IDLE", status: tagged.status, text: tagged.text)
                }
                return
            case .tagged(let tagged):
                throw IMAPError.protocolViolation("completion for unknown tag \(tagged.tag) during IDLE")
            case .continuation:
                continue
            default:
                continue
            }
        }
    }
}
