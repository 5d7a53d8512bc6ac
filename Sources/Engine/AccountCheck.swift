import IMAPClient
import IMAPCore
import Logging
import MailTransport

/// What `mailferry check` found out about an account.
public struct CheckReport: Sendable, Codable {
    public struct Folder: Sendable, Codable {
        /// The decoded Unicode name, or the raw name when it does not decode.
        public var name: String
        /// The name as the server spells it (modified UTF-7).
        public var rawName: String
        public var decodable: Bool
        public var delimiter: String?
        public var specialUse: String?
        public var selectable: Bool
        public var messages: UInt64?
        public var size: UInt64?
        public var uidValidity: UInt64?
    }

    public var account: String
    public var server: String
    public var tls: String
    public var capabilities: [String]
    public var serverID: [String: String]?
    public var personalNamespace: String?
    public var folders: [Folder]
}

/// Connects to an account, authenticates and lists what is there, changing nothing.
public enum AccountCheck {
    public static func run(_ account: AccountConfig, logger: Logger) async throws(AccountError) -> CheckReport {
        do {
            if account.mailProtocol == .pop3 { return try await checkPOP3(account, logger: logger) }
            return try await AccountSession.withIMAP(account, logger: logger) { session in
                let serverID = try await session.identify([("name", "mailferry"), ("version", MailFerryVersion.current)])
                let namespaces = try await session.namespaces()
                var items: [StatusItem] = [.messages, .uidValidity]
                if session.hasCapability("STATUS=SIZE") { items.append(.size) }
                let mailboxes = try await session.listMailboxes(status: items)
                let folders = mailboxes.map { mailbox in
                    CheckReport.Folder(
                        name: mailbox.name.description,
                        rawName: String(decoding: mailbox.name.bytes, as: UTF8.self),
                        decodable: mailbox.name.decoded != nil,
                        delimiter: mailbox.list.delimiter.map { String(UnicodeScalar($0)) },
                        specialUse: mailbox.specialUse,
                        selectable: mailbox.isSelectable,
                        messages: mailbox.status["MESSAGES"],
                        size: mailbox.status["SIZE"],
                        uidValidity: mailbox.status["UIDVALIDITY"])
                }
                return CheckReport(
                    account: account.name,
                    server: "\(account.endpoint.host):\(account.endpoint.port)",
                    tls: account.endpoint.tls.rawValue,
                    capabilities: session.capabilities.sorted(),
                    serverID: serverID?.compactMapValues { $0 },
                    personalNamespace: namespaces?.personal.first.map { $0.prefix.description },
                    folders: folders)
            }
        } catch let error as AccountError {
            throw error
        } catch {
            throw AccountError(account: account.name, underlying: error)
        }
    }
}

extension AccountCheck {
    /// POP3 has one folder, the maildrop: its size from STAT, the capabilities from CAPA.
    static func checkPOP3(_ account: AccountConfig, logger: Logger) async throws -> CheckReport {
        try await AccountSession.withPOP3(account, logger: logger) { session in
            let drop = try await session.stat()
            let hasUIDL = try await session.uniqueIDs() != nil
            var capabilities = session.capabilities.names
            if !session.answersCAPA { capabilities = hasUIDL ? ["UIDL"] : [] }
            let inbox = CheckReport.Folder(
                name: "INBOX", rawName: "INBOX", decodable: true, delimiter: nil, specialUse: nil, selectable: true,
                messages: UInt64(drop.count), size: UInt64(drop.size), uidValidity: nil)
            return CheckReport(
                account: account.name, server: "\(account.endpoint.host):\(account.endpoint.port)",
                tls: account.endpoint.tls.rawValue, capabilities: capabilities, serverID: nil, personalNamespace: nil,
                folders: [inbox])
        }
    }
}

/// Engine-level failures that are not a protocol's or the network's.
public enum EngineError: Error, Sendable, Hashable, CustomStringConvertible {
    case unsupported(String)
    /// Another run holds the backup directory's lock.
    case locked(String)
    /// The backup directory cannot be created or written.
    case cannotUse(String, String)
    /// A job named on the command line is not in the job file.
    case unknownJob(String)

    public var description: String {
        switch self {
        case .unsupported(let what): "\(what) is not supported yet"
        case .locked(let directory):
            "another mailferry run is using \(directory) (its .lock is held); wait for it to finish"
        case .cannotUse(let directory, let reason): "cannot use the backup directory \(directory): \(reason)"
        case .unknownJob(let name): "no job named \"\(name)\""
        }
    }
}

public enum MailFerryVersion {
    public static let current = "0.1.0"
}
