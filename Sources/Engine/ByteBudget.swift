import Catalog

/// `max_bytes_per_day`: what is left of an account's download budget for this run, shared by its
/// folders in the order they are backed up. The day is the last 24 hours, counted from the bytes
/// of new mail each finished run in the catalog recorded (a killed run's bytes go uncounted).
final class ByteBudget {
    private(set) var remaining: Int64
    /// Nothing was downloaded in the last 24 hours: a message bigger than the whole budget may go
    /// (alone), or it would block the folder for good.
    private var untouched: Bool

    init(limit: Int64, used: Int64) {
        remaining = max(0, limit - used)
        untouched = used <= 0
    }

    /// The budget for a run of `account` starting `now`, or nil when the account has none.
    static func forRun(of account: AccountConfig, accountID: Int64, catalog: Catalog, now: Int64) throws -> ByteBudget? {
        guard let limit = account.maxBytesPerDay else { return nil }
        return ByteBudget(limit: limit, used: try catalog.bytesFetched(accountID: accountID, since: now - 86_400))
    }

    /// How many of the messages, in order, fit in what is left; the budget shrinks by their sizes.
    func take(_ sizes: [Int64]) -> Int {
        var taken = 0
        for size in sizes {
            if size <= remaining {
                remaining -= size
            } else if untouched {
                remaining = 0
            } else {
                break
            }
            untouched = false
            taken += 1
        }
        return taken
    }

    /// The note a folder's report carries when the budget held messages back.
    static func note(left: Int, bytes: Int64) -> String {
        "max_bytes_per_day reached: \(left) new messages (\(bytes) bytes) left for a later run"
    }
}
