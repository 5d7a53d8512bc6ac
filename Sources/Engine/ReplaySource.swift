import Catalog
import Foundation
import Logging

/// The source side of a replay or a verify: one account of a backup, its folders, and which of their
/// messages the filters select.
struct ReplaySource {
    let catalog: Catalog
    let account: AccountRecord
    /// INBOX first, then by name.
    let folders: [FolderRecord]
    let selection: MessageSelection
    let labels: LabelPolicy
    /// Reads message text back, to confirm a search's phrases.
    let reader: ArchiveReader

    /// Checks the options and opens the backup; nothing is written.
    init(directory: String, options: ReplayOptions) throws {
        selection = try options.filter.selection()
        labels = options.labels
        _ = try FolderMapper(options: options.mapping, destination: DestinationLayout(delimiter: nil))
        catalog = try Catalog.existing(directory: directory)
        reader = ArchiveReader(directory: directory, catalog: catalog)
        try catalog.check(selection)
        let accounts = try catalog.accounts()
        if let name = options.sourceAccount {
            guard let account = accounts.first(where: { $0.name == name }) else {
                throw ReplayError.unknownSourceAccount(name, known: accounts.map(\.name))
            }
            self.account = account
        } else {
            guard let only = accounts.first else { throw ReplayError.noSourceAccount(directory: directory) }
            guard accounts.count == 1 else { throw ReplayError.severalSourceAccounts(accounts.map(\.name)) }
            account = only
        }
        folders = try catalog.folders(accountID: account.id!).sorted { a, b in
            let (aInbox, bInbox) = (a.name.uppercased() == "INBOX", b.name.uppercased() == "INBOX")
            return aInbox != bInbox ? aInbox : a.name < b.name
        }
    }

    /// Where every folder goes on the destination, and one plan per destination folder (in the order of
    /// the first source folder that maps to it).
    func plan(_ mapping: FolderMapOptions, destination: DestinationLayout) throws -> ([FolderMapping], [FolderPlan]) {
        let mappings = try FolderMapper(options: mapping, destination: destination).map(
            folders.map { SourceFolder(name: $0.name, delimiter: $0.delimiter?.first, specialUse: $0.specialUse) })
        var plans: [FolderPlan] = []
        var positions: [String: Int] = [:]
        for (folder, mapping) in zip(folders, mappings) {
            guard let name = mapping.destination else { continue }
            if let position = positions[name] {
                plans[position].sources.append(folder)
            } else {
                positions[name] = plans.count
                plans.append(FolderPlan(destination: name, sources: [folder], exists: mapping.exists))
            }
        }
        return (mappings, try applyLabels(to: plans))
    }

    /// Marks, per plan, the messages the labels policy sends only to other plans: with `skip-all-mail`, All
    /// Mail's messages that another plan takes; with `first`, every message an earlier plan takes (All Mail
    /// plans counted last).
    func applyLabels(to plans: [FolderPlan]) throws -> [FolderPlan] {
        let allMail = plans.map { $0.sources.contains(where: LabelPolicy.isAllMail) }
        guard labels != .copy, allMail.contains(true) || labels == .first else { return plans }
        var plans = plans
        var taken = Set<Data>()
        let order = plans.indices.filter { !allMail[$0] } + plans.indices.filter { allMail[$0] }
        for index in order {
            var hashes: [Data] = []
            let pages = pages(plans[index])
            while let page = try pages.next() { hashes += page.map(\.sha256) }
            if labels == .first || allMail[index] { plans[index].elsewhere = taken.intersection(hashes) }
            if !allMail[index] || labels == .first { taken.formUnion(hashes) }
        }
        return plans
    }

    /// Connects to the destination, reads its folders and maps the source's onto them, then runs `body`
    /// with the destination, the mapping of every source folder and the plan of every destination folder.
    func connect<Result: Sendable>(
        to account: AccountConfig, mapping: FolderMapOptions, logger: Logger,
        _ body: (ReplayDestination, [FolderMapping], [FolderPlan]) async throws -> Result
    ) async throws -> Result {
        try await AccountSession.withIMAP(account, logger: logger) { session in
            let destination = ReplayDestination(session: session, account: account)
            try await destination.readLayout()
            let (mappings, plans) = try plan(mapping, destination: destination.layout)
            return try await body(destination, mappings, plans)
        }
    }

    /// What the filters take from a plan's source folders, each message once (the first placement).
    struct Selected {
        var candidates: [ReplayCandidate] = []
        /// Placements the message filters left out.
        var filteredOut = 0
        /// Placements of a message already taken from another source folder.
        var merged = 0
        /// Messages the labels policy puts into another folder.
        var elsewhere = 0
        /// The source folders hold no placement at all (before filters).
        var sourceIsEmpty = true
    }

    /// Everything the filters take from a plan, at once: for verify, which compares against all of it.
    func select(_ plan: FolderPlan) throws -> Selected {
        let pages = pages(plan)
        var candidates: [ReplayCandidate] = []
        while let page = try pages.next() { candidates += page }
        var selected = pages.selected
        selected.candidates = candidates
        return selected
    }

    /// The plan's selection a page at a time, so that a replay holds one page of a folder of any size.
    func pages(_ plan: FolderPlan, size: Int = 2_000) -> SelectionPages {
        SelectionPages(source: self, plan: plan, size: size)
    }
}

/// Walks what the filters take from a plan's source folders, each message once (its first placement), a
/// page of about `size` messages at a time; `selected` holds the counts once the walk is over. Only the
/// hashes of the messages taken are kept from page to page, to take each once.
final class SelectionPages {
    let source: ReplaySource
    let plan: FolderPlan
    let size: Int
    private(set) var selected = ReplaySource.Selected()
    private var folderIndex = 0
    private var position: ReplayCandidatePage.Position?
    private var folderStarted = false
    private var seen = Set<Data>()

    init(source: ReplaySource, plan: FolderPlan, size: Int) {
        self.source = source
        self.plan = plan
        self.size = max(1, size)
    }

    /// The next messages taken, at most `size`; nil when the walk is over.
    func next() throws -> [ReplayCandidate]? {
        var page: [ReplayCandidate] = []
        while page.count < size, folderIndex < plan.sources.count {
            let folder = plan.sources[folderIndex]
            if !folderStarted {
                folderStarted = true
                let all = try source.catalog.placementCount(folderID: folder.id!, includeGone: source.selection.includeGone)
                if all > 0 { selected.sourceIsEmpty = false }
                selected.filteredOut += all
            }
            let read = try source.catalog.replayCandidates(
                folderID: folder.id!, selection: source.selection, after: position, limit: size - page.count)
            // A message whose text cannot be read is kept: its APPEND then fails with the reason, never silently.
            let phrases = source.selection.phrases
            let taken =
                phrases.isEmpty
                ? read.candidates
                : read.candidates.filter { (try? source.reader.matches(phrases, message: $0.messageRow)) ?? true }
            selected.filteredOut -= taken.count
            for candidate in taken {
                if plan.elsewhere.contains(candidate.sha256) {
                    if seen.insert(candidate.sha256).inserted { selected.elsewhere += 1 }
                } else if seen.insert(candidate.sha256).inserted {
                    page.append(candidate)
                } else {
                    selected.merged += 1
                }
            }
            position = read.last
            if read.last == nil {
                folderIndex += 1
                folderStarted = false
            }
        }
        return page.isEmpty && folderIndex >= plan.sources.count ? nil : page
    }
}
