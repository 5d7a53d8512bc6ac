import IMAPCore
import MailTransport
import Synchronization

/// Ends an IDLE from outside (another task, a signal handler): `wake()` sends DONE now. A wake
/// while no IDLE runs ends the next one at once.
public final class IdleWaker: Sendable {
    private struct State {
        var armed: ScheduledWrite?
        var woken = false
    }

    private let state = Mutex(State())

    public init() {}

    public func wake() {
        let armed = state.withLock { state -> ScheduledWrite? in
            state.woken = true
            return state.armed
        }
        armed?.fire()
    }

    func arm(_ done: ScheduledWrite) {
        let woken = state.withLock { state -> Bool in
            state.armed = done
            return state.woken
        }
        if woken { done.fire() }
    }

    /// Whether a wake ended (or preempted) the last IDLE; clears it.
    func disarm() -> Bool {
        state.withLock { state in
            defer { state = State() }
            return state.woken
        }
    }
}

extension IMAPSession {
    /// IDLE (RFC 2177): waits for news in the selected mailbox. Each untagged response goes to
    /// `handler`; IDLE ends when the handler returns true, after `maxSeconds` (servers drop idle
    /// clients after 30 minutes, so keep it below that), or when `waker` is woken. Returns whether
    /// the waker ended it.
    @discardableResult
    public func idle(maxSeconds: Int64, waker: IdleWaker? = nil, handler: (UntaggedResponse) -> Bool) async throws
        -> Bool
    {
        guard hasCapability("IDLE") else { throw IMAPError.mechanismNotOffered("IDLE") }
        let tag = try await send(.idle)
        try await awaitContinuation(for: tag)
        let done = connection.scheduleWrite(CommandEncoder.idleDone, afterSeconds: maxSeconds)
        waker?.arm(done)
        defer { _ = waker?.disarm() }
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
                return waker?.disarm() ?? false
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
