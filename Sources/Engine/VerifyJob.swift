import Archives
import Catalog
import Foundation
import IMAPClient
import IMAPCore
import Logging
import MailCore

/// Compares a backup with a destination account, folder by folder, by hash: what a restore with the
/// same mapping and filters puts there, against what the destination serves. Changes nothing.
public struct VerifyJob: Sendable {
    public var directory: String
    public var destination: AccountConfig
    public var options: ReplayOptions

    public init(directory: String, destination: AccountConfig, options: ReplayOptions) {
        self.directory = directory
        self.destination = destination
        self.options = options
    }

    public func run(logger: Logger) async throws -> VerifyReport {
        let started = Date()
        let source = try ReplaySource(directory: directory, options: options)
        var report = VerifyReport(source: source.account.name, destination: destination.name, directory: directory)
        let archives = ArchiveSet(directory: directory, formats: Array(ArchiveSet.formats))
        do {
            try await source.connect(to: destination, mapping: options.mapping, logger: logger) {
                target, mappings, plans in
                report.mappings = mappings
                for plan in plans {
                    var folder = VerifyFolderReport(sources: plan.sources.map(\.name), destination: plan.destination)
                    do {
                        try await compare(
                            plan, source: source, archives: archives, session: target.session, into: &folder)
                    } catch {
                        folder.error = "\(error)"
                        guard BackupJob.isFolderScoped(error) else { throw error }
                    }
                    report.folders.append(folder)
                }
            }
        } catch let error as FolderMapError {
            throw error
        } catch {
            throw AccountError(account: destination.name, underlying: error)
        }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// What the destination serves for one message.
    struct Served {
        var sha256: Data
        var flags: Set<String>
        var date: InternalDate?
    }

    func compare(
        _ plan: FolderPlan, source: ReplaySource, archives: ArchiveSet, session: IMAPSession,
        into report: inout VerifyFolderReport
    ) async throws {
        let expected = try source.select(plan).candidates
        report.expected = expected.count
        let names = Dictionary(plan.sources.map { ($0.id!, $0.name) }, uniquingKeysWith: { a, _ in a })
        func describe(_ candidate: ReplayCandidate) -> String {
            "\(names[candidate.folderID] ?? "?") UID \(candidate.uid)" + (candidate.messageID.map { " <\($0)>" } ?? "")
        }
        guard plan.exists else {
            report.folderMissing = true
            report.missing = expected.map(describe)
            return
        }
        _ = try await session.open(MailboxName(plan.destination))
        var served: [Data: [Served]] = [:]
        var total = 0
        var current = Served(sha256: Data(), flags: [])
        var hasher: SHA256Hasher?
        try await session.fetch([.all], items: [.uid, .flags, .internalDate, .bodyPeek(section: "", partial: nil)]) {
            event in
            switch event {
            case .fetchStart:
                current = Served(sha256: Data(), flags: [])
                hasher = SHA256Hasher()
            case .fetchAttribute(.flags(let flags)):
                current.flags = Set(flags.map { $0.name.lowercased() }.filter { $0 != "\\recent" })
            case .fetchAttribute(.internalDate(let date)): current.date = date
            case .fetchBodyChunk(let chunk): chunk.withUnsafeReadableBytes { hasher?.update($0) }
            case .fetchEnd:
                guard let done = hasher.take() else { return }
                current.sha256 = Data(done.finalize().bytes)
                served[current.sha256, default: []].append(current)
                total += 1
            default: break
            }
        }
        var matched = 0
        for candidate in expected {
            var copies = served[candidate.sha256] ?? []
            if copies.isEmpty, let normalized = try normalizedHash(candidate, archives: archives) {
                copies = served[normalized] ?? []
            }
            guard let copy = copies.first else {
                report.missing.append(describe(candidate))
                continue
            }
            report.present += 1
            matched += copies.count
            if copies.count > 1 { report.duplicates += copies.count - 1 }
            let flags = Set(candidate.flags.split(separator: " ").map { $0.lowercased() }.filter { $0 != "\\recent" })
            if flags != copy.flags {
                report.flagDifferences.append(
                    "\(describe(candidate)): expected (\(flags.sorted().joined(separator: " "))), found (\(copy.flags.sorted().joined(separator: " ")))"
                )
            }
            if let date = InternalDate(candidate.internalDate), date.secondsSince1970 != copy.date?.secondsSince1970 {
                report.dateDifferences.append(
                    "\(describe(candidate)): expected \(candidate.internalDate), found \(copy.date.map(\.description) ?? "none")"
                )
            }
        }
        report.extra = total - matched
    }

    /// The hash of the form a normalizing server stores, when it differs from the archived bytes.
    func normalizedHash(_ candidate: ReplayCandidate, archives: ArchiveSet) throws -> Data? {
        guard let file = try? archives.open(candidate) else { return nil }
        return try MessageFingerprint(file: file).normalized?.sha256
    }
}
