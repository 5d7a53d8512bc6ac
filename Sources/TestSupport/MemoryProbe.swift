import Foundation

/// Peak growth of this process's resident memory over a stretch of work, sampled by the work itself.
///
/// Tests share one process and allocate in parallel, so one measurement over a limit may be a
/// neighbour's burst. `leastGrowth` repeats the work until a measurement is under the limit (or
/// the attempts run out) and returns the smallest growth seen: memory that grows with the data
/// grows on every attempt.
public final class MemoryProbe {
    public let baseline: Int
    public private(set) var peak: Int

    init() {
        baseline = Corpus.residentMemory()
        peak = baseline
    }

    public var growth: Int { peak - baseline }

    public func sample() { peak = max(peak, Corpus.residentMemory()) }

    public static func leastGrowth(
        limit: Int, attempts: Int = 3, _ work: (MemoryProbe) async throws -> Void
    ) async rethrows -> Int {
        var least = Int.max
        for _ in 0..<attempts {
            let probe = MemoryProbe()
            try await work(probe)
            least = min(least, probe.growth)
            if least < limit { break }
        }
        return least
    }
}
