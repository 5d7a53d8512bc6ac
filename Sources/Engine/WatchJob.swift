import Foundation
import IMAPClient
import IMAPCore
import Logging
import Synchronization

/// Asks a watch to stop, from a signal handler or another task: the pass under way finishes,
/// waiting ends at once.
public final class WatchStop: Sendable {
    let waker = IdleWaker()
    private let stopped = Atomic(false)

    public init() {}

    public func stop() {
        stopped.store(true, ordering: .sequentiallyConsistent)
        waker.wake()
    }

    public var isStopped: Bool { stopped.load(ordering: .sequentiallyConsistent) }

    /// Sleeps `seconds`, or less when stopped.
    func sleep(_ seconds: Double) async {
        let end = Date().addingTimeInterval(seconds)
        while !isStopped, Date() < end {
            try? await Task.sleep(for: .milliseconds(min(250, max(1, Int(end.timeIntervalSinceNow * 1000)))))
        }
    }
}

/// `mailferry watch`: keeps a backup up to date as mail arrives. A pass of the job (new mail,
/// flags, expunges in every folder; folders LIST-STATUS shows unchanged are skipped) runs at
/// start, whenever IMAP IDLE on INBOX reports news, and at least every `poll` seconds for the
/// other folders; every `every` seconds a full pass opens every folder. A dropped IDLE connection
/// is made again with growing waits; a failed pass is tried again at the next occasion.
public struct WatchJob: Sendable {
    public struct Timing: Sendable, Hashable {
        /// Seconds between passes when IDLE reports nothing (and for POP3, or a server without IDLE).
        public var poll: Int64
        /// Seconds between full passes.
        public var every: Int64

        public init(poll: Int64 = 300, every: Int64 = 3_600) {
            self.poll = poll
            self.every = every
        }
    }

    /// Why a pass ran.
    public enum Reason: String, Sendable {
        case start, news, poll, full
    }

    public var job: JobConfig
    public var account: AccountConfig
    public var timing: Timing
    /// Seconds before the first reconnection; doubled each time up to `maxBackoff`.
    public var backoff: Double = 5
    public var maxBackoff: Double = 300

    public init(job: JobConfig, account: AccountConfig, timing: Timing) {
        self.job = job
        self.account = account
        self.timing = timing
    }

    /// Seconds in `"90"`, `"90s"`, `"5m"`, `"1h"` or `"1d"` (at least one); nil for anything else.
    public static func seconds(in text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let digits = trimmed.prefix { $0.isNumber }
        guard !digits.isEmpty, let number = Int64(digits) else { return nil }
        let factors: [String: Int64] = ["": 1, "s": 1, "m": 60, "h": 3_600, "d": 86_400]
        guard let factor = factors[String(trimmed.dropFirst(digits.count))] else { return nil }
        let (product, overflow) = number.multipliedReportingOverflow(by: factor)
        return overflow || product < 1 ? nil : product
    }

    /// An error no wait cures (credentials, configuration, certificate): before any pass has
    /// worked it ends the watch instead of being tried again forever.
    static func isPermanent(_ error: any Error) -> Bool {
        RetryAdvice.delay(after: error, attempt: 1, base: 1) == nil
    }

    /// Runs until `stop`. `pass` runs one backup pass; its errors are logged and the pass is tried
    /// again later. Throws only when the watch cannot start: the first pass (or connection) fails
    /// in a way waiting cannot cure.
    public func run(
        stop: WatchStop, logger: Logger,
        pass: @Sendable (_ fullPass: Bool, _ reason: Reason) async throws -> Void
    ) async throws {
        var state = PassState()
        guard account.mailProtocol == .imap else {
            while !stop.isStopped {
                try await runPass(&state, logger: logger, pass: pass)
                await stop.sleep(state.wait(timing, backoff: backoff, maxBackoff: maxBackoff))
            }
            return
        }
        var drops = 0
        while !stop.isStopped {
            do {
                // The connection that idles on INBOX between passes. Passes use their own, within
                // max_connections; this one is not counted, or it would hold a slot its own pass waits for.
                try await AccountSession.withIMAP(account, logger: logger, counted: false) { session in
                    let canIdle = session.hasCapability("IDLE")
                    if canIdle {
                        _ = try await session.open(.inbox)
                    } else if drops == 0 {
                        logger.info("watch: \(account.name) offers no IDLE; polling every \(timing.poll) s")
                    }
                    drops = 0
                    while !stop.isStopped {
                        try await runPass(&state, logger: logger, pass: pass)
                        guard !stop.isStopped else { return }
                        let wait = state.wait(timing, backoff: backoff, maxBackoff: maxBackoff)
                        if canIdle {
                            state.reason = try await waitForNews(session, seconds: wait, stop: stop) ? .news : .poll
                        } else {
                            await stop.sleep(wait)
                            state.reason = .poll
                        }
                    }
                }
            } catch {
                if !state.succeeded, Self.isPermanent(error) {
                    throw error is AccountError ? error : AccountError(account: account.name, underlying: error)
                }
                drops += 1
                let delay = min(maxBackoff, backoff * pow(2, Double(drops - 1)))
                logger.warning(
                    "watch: connection to \(account.name) lost: \(error); trying again in \(Int(delay)) s")
                await stop.sleep(delay)
                state.reason = .poll
            }
        }
    }

    struct PassState {
        var lastFull = Date.distantPast
        var failures = 0
        var reason = Reason.start
        var succeeded = false

        /// Seconds until the next pass when nothing happens.
        func wait(_ timing: Timing, backoff: Double, maxBackoff: Double) -> Double {
            let untilFull = max(1, Double(timing.every) - Date().timeIntervalSince(lastFull))
            var wait = min(Double(timing.poll), untilFull)
            if failures > 0 { wait = min(wait, min(maxBackoff, backoff * pow(2, Double(failures - 1)))) }
            return wait
        }
    }

    func runPass(
        _ state: inout PassState, logger: Logger, pass: @Sendable (_ fullPass: Bool, _ reason: Reason) async throws -> Void
    ) async throws {
        let full = Date().timeIntervalSince(state.lastFull) >= Double(timing.every)
        do {
            try await pass(full, full && state.reason != .start ? .full : state.reason)
            if full { state.lastFull = Date() }
            state.failures = 0
            state.succeeded = true
        } catch {
            if !state.succeeded, Self.isPermanent(error) { throw error }
            state.failures += 1
            logger.error("watch: a pass of job \(job.name) failed: \(error)")
        }
    }

    /// IDLE on the selected INBOX until it changes (new mail, expunges), `seconds` pass, or the
    /// watch stops. Servers drop clients idle for 30 minutes: IDLE is renewed well before.
    func waitForNews(_ session: IMAPSession, seconds: Double, stop: WatchStop) async throws -> Bool {
        let end = Date().addingTimeInterval(seconds)
        var news = false
        while !news, !stop.isStopped, end.timeIntervalSinceNow > 0 {
            let chunk = Int64(max(1, min(end.timeIntervalSinceNow.rounded(.up), 25 * 60)))
            try await session.idle(maxSeconds: chunk, waker: stop.waker) { response in
                switch response {
                case .exists, .expunge, .vanished: news = true
                default: break
                }
                return news
            }
        }
        return news
    }
}
