import ArgumentParser

public struct MailFerry: AsyncParsableCommand {
    public init() {}
}
