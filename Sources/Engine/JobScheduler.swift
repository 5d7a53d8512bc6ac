/// Runs a run's jobs at most `parallel` at a time. Jobs that share a key (an account, a backup
/// directory) form one lane and run one after the other in their given order: two jobs never hold
/// one backup directory's lock, nor log in to one account, at the same moment.
public enum JobScheduler {
    /// The keys of a job that touches these accounts and this backup directory.
    public static func keys(accounts: [String], directory: String?) -> Set<String> {
        Set(accounts.map { "account\u{0}" + $0 } + (directory.map { ["directory\u{0}" + $0] } ?? []))
    }

    /// Indices grouped into lanes (items sharing a key, directly or through others), each in order;
    /// lanes ordered by their first item.
    public static func lanes(_ keys: [Set<String>]) -> [[Int]] {
        var parent = Array(keys.indices)
        func root(_ index: Int) -> Int {
            var index = index
            while parent[index] != index {
                parent[index] = parent[parent[index]]
                index = parent[index]
            }
            return index
        }
        var owner: [String: Int] = [:]
        for (index, set) in keys.enumerated() {
            for key in set {
                if let other = owner[key] {
                    let (a, b) = (root(index), root(other))
                    parent[max(a, b)] = min(a, b)
                } else {
                    owner[key] = index
                }
            }
        }
        var lanes: [Int: [Int]] = [:]
        for index in keys.indices { lanes[root(index), default: []].append(index) }
        return lanes.keys.sorted().map { lanes[$0]! }
    }

    /// Runs `body` for every index, lanes in parallel (at most `parallel`), and returns the outcomes
    /// in index order.
    public static func run<Outcome: Sendable>(
        keys: [Set<String>], parallel: Int, _ body: @escaping @Sendable (Int) async -> Outcome
    ) async -> [Outcome] {
        var pending = lanes(keys)[...]
        var outcomes: [Int: Outcome] = [:]
        await withTaskGroup(of: [(Int, Outcome)].self) { group in
            func startNext() {
                guard let lane = pending.popFirst() else { return }
                group.addTask {
                    var done: [(Int, Outcome)] = []
                    for index in lane { done.append((index, await body(index))) }
                    return done
                }
            }
            for _ in 0..<max(1, parallel) { startNext() }
            for await done in group {
                for (index, outcome) in done { outcomes[index] = outcome }
                startNext()
            }
        }
        return keys.indices.map { outcomes[$0]! }
    }
}
