/// Caps the connections the process holds open to one server (host and port), whichever job opens
/// them: two accounts on one server, run in parallel, share its limit. Waiters are served in the order they came.
public actor ConnectionLimiter {
    public static let shared = ConnectionLimiter()
    /// `max_connections` when the job file says nothing: a polite share of what providers allow one
    /// client (Gmail about 15 connections per account).
    public static let defaultPerServer = 4

    private var open: [String: Int] = [:]
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    public init() {}

    /// Runs `body` holding one of `limit` connection slots of `server` ("host:port", any case).
    public nonisolated func withSlot<Result: Sendable>(
        server: String, limit: Int, _ body: () async throws -> Result
    ) async throws -> Result {
        let key = server.lowercased()
        await acquire(key, limit: max(1, limit))
        do {
            let result = try await body()
            await release(key)
            return result
        } catch {
            await release(key)
            throw error
        }
    }

    /// How many slots of `server` are taken now.
    public func inUse(_ server: String) -> Int { open[server.lowercased(), default: 0] }

    func acquire(_ key: String, limit: Int) async {
        if open[key, default: 0] < limit {
            open[key, default: 0] += 1
            return
        }
        // The slot is handed over by `release`, which keeps the count as it is.
        await withCheckedContinuation { waiting[key, default: []].append($0) }
    }

    func release(_ key: String) {
        if var queue = waiting[key], !queue.isEmpty {
            let next = queue.removeFirst()
            waiting[key] = queue.isEmpty ? nil : queue
            next.resume()
        } else {
            open[key, default: 1] -= 1
            if open[key] == 0 { open[key] = nil }
        }
    }
}
