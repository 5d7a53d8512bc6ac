import Foundation

/// Runs blocking work (starting Dovecot, waiting for a process) on a thread of its own, so that it
/// does not hold one of the few threads Swift concurrency has: tests that block those threads stall
/// every other test's I/O.
public func offPool<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Swift.Result { try body() }) }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

extension DovecotServer {
    /// `start(_:)` without blocking the concurrency pool.
    public static func started(_ options: Options = Options()) async throws -> DovecotServer {
        try await offPool { try start(options) }
    }

    /// `stop()` without blocking the concurrency pool.
    public func stopped() async {
        _ = try? await offPool { self.stop() }
    }
}

/// Starts a private server for one test, runs `body` and always stops it.
@discardableResult
public func withServer<Result>(
    _ options: DovecotServer.Options = .init(), _ body: (DovecotServer) async throws -> Result
) async throws -> Result {
    let server = try await DovecotServer.started(options)
    do {
        let result = try await body(server)
        await server.stopped()
        return result
    } catch {
        await server.stopped()
        throw error
    }
}

extension MailFerryCLI {
    /// `run(_:environment:)` without blocking the concurrency pool.
    public static func running(_ arguments: [String], environment: [String: String] = [:]) async throws -> Result {
        try await offPool { try run(arguments, environment: environment) }
    }

    /// `runMeasuringMemory(_:environment:)` without blocking the concurrency pool.
    public static func runningMeasuringMemory(_ arguments: [String], environment: [String: String] = [:]) async throws
        -> (result: Result, peakBytes: Int)
    {
        try await offPool { try runMeasuringMemory(arguments, environment: environment) }
    }
}
