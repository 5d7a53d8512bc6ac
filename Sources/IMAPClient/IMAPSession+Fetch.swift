import IMAPCore
import NIOCore

/// One fetched message held in memory: for tests and small tools, never for backups.
public struct FetchedMessage: Sendable, Hashable {
    public var sequence: UInt32
    public var uid: UInt32?
    public var flags: [Flag]?
    public var internalDate: InternalDate?
    public var size: UInt64?
    public var modSeq: UInt64?
    public var body: [UInt8]?
}

extension IMAPSession {
    /// The items a backup asks for: never `BODY[]`, which would set \Seen.
    public static let backupItems: [FetchItem] = [
        .uid, .flags, .internalDate, .rfc822Size, .bodyPeek(section: "", partial: nil),
    ]

    /// UID FETCH over several UID sets, pipelined, handing every FETCH event to `handler` as it
    /// arrives: bodies come as chunks and are never held whole.
    public func fetch(
        _ sets: [SequenceSet], items: [FetchItem], changedSince: UInt64? = nil, window: Int = 8,
        handler: (ResponseEvent) async throws -> Void
    ) async throws {
        let commands = sets.map { Command.uidFetch($0, items, changedSince: changedSince) }
        _ = try await pipeline(commands, window: window, onFetch: handler)
    }

    /// Fetches into memory. Convenient for small sets only.
    public func fetchMessages(_ set: SequenceSet, items: [FetchItem] = IMAPSession.backupItems) async throws
        -> [FetchedMessage]
    {
        var messages: [FetchedMessage] = []
        var current: FetchedMessage?
        try await fetch([set], items: items) { event in
            switch event {
            case .fetchStart(let sequence):
                current = FetchedMessage(sequence: sequence)
            case .fetchAttribute(let attribute):
                switch attribute {
                case .uid(let uid): current?.uid = uid
                case .flags(let flags): current?.flags = flags
                case .internalDate(let date): current?.internalDate = date
                case .rfc822Size(let size): current?.size = size
                case .modSeq(let modSeq): current?.modSeq = modSeq
                case .other: break
                }
            case .fetchBodyStart:
                current?.body = []
            case .fetchBodyChunk(let chunk):
                current?.body?.append(contentsOf: chunk.readableBytesView)
            case .fetchEnd:
                if let message = current { messages.append(message) }
                current = nil
            default:
                break
            }
        }
        return messages
    }
}
