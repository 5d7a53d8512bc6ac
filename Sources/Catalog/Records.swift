import Foundation
import GRDB

/// A row type: one per table, snake_case columns, an integer id filled in on insert.
public protocol CatalogRecord: Codable, FetchableRecord, MutablePersistableRecord {
    var id: Int64? { get set }
}

extension CatalogRecord {
    public static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }
    public static var databaseColumnEncodingStrategy: DatabaseColumnEncodingStrategy { .convertToSnakeCase }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// Row types, one per table; columns are snake_case in SQL.
public struct AccountRecord: CatalogRecord, Sendable, Hashable {
    public static let databaseTableName = "accounts"
    public var id: Int64?
    public var name: String
    public var `protocol`: String
    public var host: String
    public var port: Int
    public var user: String
    public var createdAt: Int64

}

public struct FolderRecord: CatalogRecord, Sendable, Hashable {
    public static let databaseTableName = "folders"
    public var id: Int64?
    public var accountId: Int64
    public var rawName: Data
    public var name: String
    public var delimiter: String?
    public var specialUse: String?
    public var path: String
    public var uidValidity: Int64?
    public var highestUid: Int64
    public var highestModseq: Int64?
    public var uidNext: Int64?
    public var serverMessages: Int64?
    public var firstSeen: Int64
    public var lastSeen: Int64
    public var goneAt: Int64?

    public init(
        id: Int64? = nil, accountId: Int64, rawName: Data, name: String, delimiter: String?, specialUse: String?,
        path: String, uidValidity: Int64? = nil, highestUid: Int64 = 0, highestModseq: Int64? = nil,
        uidNext: Int64? = nil, serverMessages: Int64? = nil, firstSeen: Int64, lastSeen: Int64, goneAt: Int64? = nil
    ) {
        self.id = id
        self.accountId = accountId
        self.rawName = rawName
        self.name = name
        self.delimiter = delimiter
        self.specialUse = specialUse
        self.path = path
        self.uidValidity = uidValidity
        self.highestUid = highestUid
        self.highestModseq = highestModseq
        self.uidNext = uidNext
        self.serverMessages = serverMessages
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.goneAt = goneAt
    }

}

public struct MessageRecord: CatalogRecord, Sendable, Hashable {
    public static let databaseTableName = "messages"
    public var id: Int64?
    public var sha256: Data
    public var size: Int64
    public var messageId: String?
    public var date: Int64?
    public var fromAddress: String?
    public var toAddress: String?
    public var ccAddress: String?
    public var subject: String?
    public var hasAttachments: Bool
    public var firstSeen: Int64

    public init(
        id: Int64? = nil, sha256: Data, size: Int64, messageId: String?, date: Int64?, fromAddress: String?,
        toAddress: String?, ccAddress: String?, subject: String?, hasAttachments: Bool, firstSeen: Int64
    ) {
        self.id = id
        self.sha256 = sha256
        self.size = size
        self.messageId = messageId
        self.date = date
        self.fromAddress = fromAddress
        self.toAddress = toAddress
        self.ccAddress = ccAddress
        self.subject = subject
        self.hasAttachments = hasAttachments
        self.firstSeen = firstSeen
    }

}

public struct PlacementRecord: CatalogRecord, Sendable, Hashable {
    public static let databaseTableName = "placements"
    public var id: Int64?
    public var messageId: Int64
    public var folderId: Int64
    public var uidValidity: Int64
    public var uid: Int64
    public var flags: String
    public var modseq: Int64?
    public var internalDate: String
    public var internalDateUnix: Int64
    public var maildirPath: String?
    public var firstSeen: Int64
    public var lastSeen: Int64
    public var goneAt: Int64?

    public init(
        id: Int64? = nil, messageId: Int64, folderId: Int64, uidValidity: Int64, uid: Int64, flags: String,
        modseq: Int64?, internalDate: String, internalDateUnix: Int64, maildirPath: String?, firstSeen: Int64,
        lastSeen: Int64, goneAt: Int64? = nil
    ) {
        self.id = id
        self.messageId = messageId
        self.folderId = folderId
        self.uidValidity = uidValidity
        self.uid = uid
        self.flags = flags
        self.modseq = modseq
        self.internalDate = internalDate
        self.internalDateUnix = internalDateUnix
        self.maildirPath = maildirPath
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.goneAt = goneAt
    }

}

public struct RunRecord: CatalogRecord, Sendable, Hashable {
    public static let databaseTableName = "runs"
    public var id: Int64?
    public var job: String
    public var accountId: Int64?
    public var startedAt: Int64
    public var finishedAt: Int64?
    public var outcome: String
    public var foldersDone: Int64 = 0
    public var foldersFailed: Int64 = 0
    public var messagesNew: Int64 = 0
    public var bytesNew: Int64 = 0
    public var flagsChanged: Int64 = 0
    public var messagesGone: Int64 = 0
    public var report: String?

    public init(job: String, accountId: Int64?, startedAt: Int64, outcome: String) {
        self.job = job
        self.accountId = accountId
        self.startedAt = startedAt
        self.outcome = outcome
    }

}
