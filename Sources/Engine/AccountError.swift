/// A failure while working on one account: the account's name and what went wrong underneath
/// (an `IMAPError`, `TransportError`, `SecretError` ...).
public struct AccountError: Error, Sendable, CustomStringConvertible {
    public var account: String
    public var underlying: any Error & Sendable

    public init(account: String, underlying: any Error & Sendable) {
        self.account = account
        self.underlying = underlying
    }

    public var description: String { "account \(account): \(underlying)" }
}
