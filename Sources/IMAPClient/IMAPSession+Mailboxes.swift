import IMAPCore

/// A folder as listed, with its STATUS when it was asked for and the folder is selectable.
public struct ListedMailbox: Sendable, Hashable {
    public var list: ListResponse
    /// STATUS items (uppercased names) when known.
    public var status: [String: UInt64]
    public var name: MailboxName { list.mailbox }
    public var isSelectable: Bool { !list.has("\\Noselect") && !list.has("\\NonExistent") }
    /// The RFC 6154 attribute (`\Sent`, `\Drafts`, `\Trash`, `\Junk`, `\Archive`, `\All`, `\Flagged`), if any.
    public var specialUse: String? {
        let uses = ["\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash", "\\Important"]
        return uses.first { list.has($0) }
    }
}

/// What EXAMINE or SELECT told about a mailbox (RFC 9051 §6.3.2, RFC 7162).
public struct SelectedMailbox: Sendable, Hashable {
    public var exists: UInt32 = 0
    public var uidValidity: UInt32?
    public var uidNext: UInt32?
    public var highestModSeq: UInt64?
    /// True when the server said NOMODSEQ: the mailbox has no mod-sequences despite CONDSTORE.
    public var noModSeq = false
    public var flags: [Flag] = []
    public var permanentFlags: [Flag] = []
    public var readOnly = false
}

extension IMAPSession {
    /// Lists every mailbox with its special-use and, where cheap, its STATUS.
    ///
    /// With LIST-STATUS (RFC 5819) this is one round trip; otherwise STATUS commands are pipelined.
    public func listMailboxes(status items: [StatusItem] = [.messages, .uidValidity, .uidNext]) async throws
        -> [ListedMailbox]
    {
        var wanted = items
        if !hasCapability("CONDSTORE") { wanted.removeAll { $0 == .highestModSeq } }
        if !hasCapability("STATUS=SIZE") { wanted.removeAll { $0 == .size } }
        let extended = hasCapability("LIST-EXTENDED") || hasCapability("LIST-STATUS") || hasCapability("SPECIAL-USE")
        let listStatus = hasCapability("LIST-STATUS") && !wanted.isEmpty
        let returning = ListReturnOptions(
            specialUse: hasCapability("SPECIAL-USE") && extended,
            status: listStatus ? wanted : [])
        let completion = try await run(
            .list(reference: MailboxName(bytes: []), pattern: MailboxName(bytes: Array("*".utf8)),
                returning: returning))
        var mailboxes: [ListedMailbox] = []
        var statuses: [MailboxName: [String: UInt64]] = [:]
        for response in completion.untagged {
            switch response {
            case .list(let list): mailboxes.append(ListedMailbox(list: list, status: [:]))
            case .status(let name, let values): statuses[name, default: [:]].merge(values) { $1 }
            default: break
            }
        }
        if !listStatus, !wanted.isEmpty {
            let selectable = mailboxes.filter(\.isSelectable)
            let completions = try await pipeline(
                selectable.map { .status($0.name, wanted) }, allowFailure: true)
            for completion in completions {
                for case .status(let name, let values) in completion.untagged {
                    statuses[name, default: [:]].merge(values) { $1 }
                }
            }
        }
        for index in mailboxes.indices {
            mailboxes[index].status = statuses[mailboxes[index].name] ?? [:]
        }
        return mailboxes
    }

    /// NAMESPACE (RFC 2342), or nil when the server lacks it.
    public func namespaces() async throws -> NamespaceResponse? {
        guard hasCapability("NAMESPACE") else { return nil }
        let completion = try await run(.namespace)
        for case .namespace(let response) in completion.untagged { return response }
        return nil
    }

    /// ID (RFC 2971): tells the server who we are and returns what it says of itself.
    public func identify(_ fields: [(String, String)]) async throws -> [String: String?]? {
        guard hasCapability("ID") else { return nil }
        let completion = try await run(.id(fields), allowFailure: true)
        for case .id(let values) in completion.untagged { return values }
        return nil
    }

    /// ENABLE (RFC 5161) for the extensions the server offers; returns what it enabled.
    @discardableResult
    public func enable(_ extensions: [String]) async throws -> [String] {
        let offered = extensions.filter { hasCapability($0) }
        guard hasCapability("ENABLE"), !offered.isEmpty else { return [] }
        let completion = try await run(.enable(offered), allowFailure: true)
        return completion.untagged.flatMap { response -> [String] in
            if case .enabled(let names) = response { return names }
            return []
        }
    }

    /// EXAMINE (read-only) or SELECT a mailbox, with CONDSTORE when the server offers it.
    public func open(_ mailbox: MailboxName, readOnly: Bool = true) async throws -> SelectedMailbox {
        let condstore = hasCapability("CONDSTORE")
        let completion = try await run(
            readOnly ? .examine(mailbox, condstore: condstore) : .select(mailbox, condstore: condstore))
        var selected = SelectedMailbox()
        func apply(_ code: ResponseCode?) {
            switch code {
            case .uidValidity(let value)?: selected.uidValidity = value
            case .uidNext(let value)?: selected.uidNext = value
            case .highestModSeq(let value)?: selected.highestModSeq = value
            case .noModSeq?: selected.noModSeq = true
            case .permanentFlags(let flags)?: selected.permanentFlags = flags
            case .readOnly?: selected.readOnly = true
            default: break
            }
        }
        for response in completion.untagged {
            switch response {
            case .exists(let count): selected.exists = count
            case .flags(let flags): selected.flags = flags
            case .condition(.ok, let text): apply(text.code)
            default: break
            }
        }
        apply(completion.tagged.text.code)
        return selected
    }

    /// STATUS of one mailbox.
    public func status(_ mailbox: MailboxName, _ items: [StatusItem]) async throws -> [String: UInt64] {
        let completion = try await run(.status(mailbox, items))
        var values: [String: UInt64] = [:]
        for case .status(_, let found) in completion.untagged { values.merge(found) { $1 } }
        return values
    }

    /// CREATE, treating "already exists" as success.
    public func create(_ mailbox: MailboxName) async throws {
        let completion = try await run(.create(mailbox), allowFailure: true)
        guard completion.tagged.status != .ok else { return }
        if case .other(name: "ALREADYEXISTS", _)? = completion.tagged.text.code { return }
        throw IMAPError.commandFailed(command: "CREATE", status: completion.tagged.status, text: completion.tagged.text)
    }

    /// UID SEARCH with verbatim criteria; the UIDs found. Uses ESEARCH (RFC 4731) when offered, so
    /// a folder of a million messages answers in ranges rather than one enormous line.
    public func uidSearch(_ criteria: String) async throws -> [UInt32] {
        let esearch = hasCapability("ESEARCH")
        let completion = try await run(.uidSearch(esearch ? "RETURN (ALL) \(criteria)" : criteria))
        var uids: [UInt32] = []
        for response in completion.untagged {
            switch response {
            case .search(let found, _): uids.append(contentsOf: found)
            case .esearch(_, _, let all?, _, _, _): uids.append(contentsOf: all.numbers)
            default: break
            }
        }
        return uids
    }
}
