import Foundation
import IMAPClient
import IMAPCore

/// The IMAP account a replay writes into: its folder layout, folder creation, and APPEND.
final class ReplayDestination {
    let session: IMAPSession
    /// `imap://user@host:port`: the replay log's name for this account.
    let identity: String
    private(set) var layout = DestinationLayout(delimiter: "/")

    init(session: IMAPSession, account: AccountConfig) {
        self.session = session
        identity = Self.identity(of: account)
    }

    static func identity(of account: AccountConfig) -> String {
        "imap://\(account.user)@\(account.endpoint.host.lowercased()):\(account.endpoint.port)"
    }

    /// Reads the folders (with their special use), the delimiter and the personal namespace prefix.
    func readLayout() async throws {
        let listed = try await session.listMailboxes(status: [])
        let personal = try await session.namespaces()?.personal.first
        let delimiter = (personal?.delimiter ?? listed.lazy.compactMap(\.list.delimiter).first)
            .map { Character(UnicodeScalar($0)) }
        layout = DestinationLayout(
            delimiter: delimiter, prefix: personal?.prefix.description ?? "",
            folders: listed.filter(\.isSelectable).map { .init(name: $0.name.description, specialUse: $0.specialUse) })
    }

    /// CREATEs a folder and SUBSCRIBEs it. Servers create missing parents themselves (RFC 9051 §6.3.4); for
    /// one that refuses, the parents are created first and the folder again.
    func create(_ name: String) async throws {
        let mailbox = MailboxName(name)
        do {
            try await session.create(mailbox)
        } catch IMAPError.commandFailed {
            let levels = layout.levels(of: name)
            for count in 1..<max(1, levels.count) {
                let parent = layout.name(of: Array(levels.prefix(count)))
                if !layout.contains(parent) { try await session.create(MailboxName(parent)) }
            }
            try await session.create(mailbox)
        }
        try await session.subscribe(mailbox)
        layout.folders.append(.init(name: name))
    }

    /// UIDVALIDITY, message count and largest message a folder takes (RFC 7889: the server-wide
    /// `APPENDLIMIT=n`, or the folder's own from STATUS when the server offers bare `APPENDLIMIT`).
    func status(_ mailbox: MailboxName) async throws -> (uidValidity: Int64?, messages: Int, appendLimit: Int64?) {
        let perFolder = session.hasPerMailboxAppendLimit
        let values = try await session.status(mailbox, [.uidValidity, .messages] + (perFolder ? [.appendLimit] : []))
        let limit = perFolder ? values["APPENDLIMIT"].map(Int64.init) : session.appendLimit
        return (values["UIDVALIDITY"].map(Int64.init), Int(values["MESSAGES"] ?? 0), limit)
    }

    /// Waits until a folder stops growing: STATUS UIDNEXT and MESSAGES the same twice `interval` apart, for
    /// at most `rounds` intervals. A session lost in the middle of APPENDs may still be saving them on the
    /// server; what it saves must be there before a lookup decides what is missing, or it is appended twice.
    func settle(_ mailbox: MailboxName, interval: Double, rounds: Int) async throws {
        guard interval > 0 else { return }
        var last = try await session.status(mailbox, [.uidNext, .messages])
        for _ in 0..<max(1, rounds) {
            try await Task.sleep(for: .seconds(interval))
            let now = try await session.status(mailbox, [.uidNext, .messages])
            if now == last { return }
            last = now
        }
    }
}
