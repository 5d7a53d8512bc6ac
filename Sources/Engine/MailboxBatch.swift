import Foundation
import MailCore

/// The `[batch]` table: which job is the template of `mailferry batch`.
public struct BatchConfig: Sendable, Hashable {
    /// The backup or migrate job each row of the CSV runs a copy of.
    public var template: String
    /// `parallel` of the batch; the job file's when nil.
    public var parallel: Int?
}

/// One row of a batch CSV: a mailbox to back up or migrate.
public struct MailboxRow: Sendable, Hashable {
    /// The line in the CSV, for messages.
    public var line: Int
    public var sourceUser: String
    public var destinationUser: String?
    public var sourceSecret: SecretSource?
    public var destinationSecret: SecretSource?

    /// What identifies the row across edits of the CSV: its source user.
    public var key: String { sourceUser }
}

/// A batch CSV (`source_user,dest_user,source_secret,dest_secret`, secrets as references) and the
/// template job each row runs with its own user, secret and backup directory.
public struct MailboxBatch: Sendable {
    public static let columns = ["source_user", "dest_user", "source_secret", "dest_secret"]

    public var path: String
    public var rows: [MailboxRow]

    /// Reads and checks the CSV: a header naming known columns, a `source_user` in every row, each
    /// only once, and secrets that are references, never passwords.
    public static func load(path: String) throws(ConfigError) -> MailboxBatch {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: nil, message: "cannot read the batch file")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    public static func parse(_ text: String, path: String) throws(ConfigError) -> MailboxBatch {
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        let records = try CSV.records(text, file: path)
        guard let (headerLine, header) = records.first else {
            throw ConfigError(
                file: path, line: nil, message: "is empty: it needs a header row (\(columns.joined(separator: ",")))")
        }
        let names = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        for name in names where !columns.contains(name) {
            throw ConfigError(
                file: path, line: headerLine,
                message: "unknown column \"\(name)\" (known: \(columns.joined(separator: ", ")))")
        }
        guard names.contains("source_user") else {
            throw ConfigError(file: path, line: headerLine, message: "the header row needs a source_user column")
        }
        guard Set(names).count == names.count else {
            throw ConfigError(file: path, line: headerLine, message: "the header row names a column twice")
        }
        var rows: [MailboxRow] = []
        var seen: [String: Int] = [:]
        for (line, fields) in records.dropFirst() {
            guard fields.count == names.count else {
                throw ConfigError(
                    file: path, line: line, message: "has \(fields.count) fields; the header has \(names.count)")
            }
            var cells: [String: String] = [:]
            for (name, field) in zip(names, fields) {
                let value = field.trimmingCharacters(in: .whitespaces)
                if !value.isEmpty { cells[name] = value }
            }
            guard let user = cells["source_user"] else {
                throw ConfigError(file: path, line: line, message: "has no source_user")
            }
            if let first = seen[user] {
                throw ConfigError(
                    file: path, line: line, message: "source_user \"\(user)\" is already on line \(first)")
            }
            seen[user] = line
            rows.append(
                MailboxRow(
                    line: line, sourceUser: user, destinationUser: cells["dest_user"],
                    sourceSecret: try cells["source_secret"].map { value throws(ConfigError) in
                        try reference(value, column: "source_secret", file: path, line: line, base: base)
                    },
                    destinationSecret: try cells["dest_secret"].map { value throws(ConfigError) in
                        try reference(value, column: "dest_secret", file: path, line: line, base: base)
                    }))
        }
        return MailboxBatch(path: path, rows: rows)
    }

    /// `env:VAR`, `file:PATH` (relative to the CSV's folder) or `cmd:COMMAND`. Anything else is refused
    /// without repeating it: it may be a password.
    static func reference(_ value: String, column: String, file: String, line: Int, base: URL) throws(ConfigError)
        -> SecretSource
    {
        let parts = value.split(separator: ":", maxSplits: 1).map(String.init)
        if parts.count == 2, !parts[1].isEmpty {
            switch parts[0].lowercased() {
            case "env": return .environment(parts[1])
            case "file": return .file(JobFile.resolve(parts[1], base))
            case "cmd": return .command(parts[1])
            default: break
            }
        }
        throw ConfigError(
            file: file, line: line,
            message: "\(column) must be a reference (env:VAR, file:/path or cmd:COMMAND), never a password itself")
    }

    /// The shard (of `count`) that a row key belongs to: by a hash of the key, so adding or removing
    /// rows never moves another row to another shard.
    public static func shard(of key: String, count: Int) -> Int {
        let digest = SHA256Hasher.hash(Array(key.utf8)).bytes
        let value = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Int(value % UInt64(max(1, count)))
    }

    /// The rows of shard `index` of `count`.
    public func rows(shard index: Int, of count: Int) -> [MailboxRow] {
        rows.filter { Self.shard(of: $0.key, count: count) == index }
    }
}

extension MailboxBatch {
    /// A row's job: the template with the row's users and secrets, backing up into a folder of its
    /// own (named after the source user) inside the template's backup directory. Returns the job, its
    /// source account and, for a migrate template, its destination account.
    public static func job(for row: MailboxRow, template: JobConfig, in jobs: JobFile) throws(ConfigError)
        -> (job: JobConfig, source: AccountConfig, destination: AccountConfig?)
    {
        guard let sourceName = template.backup, let into = template.into else {
            throw ConfigError(
                file: jobs.path, line: nil, message: "the batch template \"\(template.name)\" backs nothing up")
        }
        var source = try jobs.account(named: sourceName)
        source.name = row.sourceUser
        source.user = row.sourceUser
        source.secret = try oauthAware(row.sourceSecret, for: source, row: row, jobs: jobs)
        var job = template
        job.name = row.sourceUser
        job.backup = source.name
        job.into = (into as NSString).appendingPathComponent(PathComponent.escape(row.sourceUser))
        var destination: AccountConfig?
        if let migrate = template.migrate {
            var target = try jobs.account(named: migrate.to)
            let user = row.destinationUser ?? row.sourceUser
            target.name = user == row.sourceUser ? user + " (destination)" : user
            target.user = user
            target.secret = try oauthAware(row.destinationSecret, for: target, row: row, jobs: jobs)
            job.migrate?.to = target.name
            destination = target
        }
        return (job, source, destination)
    }

    /// An OAuth2 account's reference is its token command.
    static func oauthAware(_ secret: SecretSource?, for account: AccountConfig, row: MailboxRow, jobs: JobFile)
        throws(ConfigError) -> SecretSource
    {
        guard let secret else {
            // One token file holds one user's tokens: rows must not all log in with it.
            if case .oauthClient = account.secret {
                throw ConfigError(
                    file: jobs.path, line: nil,
                    message:
                        "line \(row.line) of the batch: the template account keeps one user's tokens (client_id); give each row cmd:TOKEN-COMMAND"
                )
            }
            return account.secret
        }
        guard account.auth.isOAuth else { return secret }
        guard case .command(let command) = secret else {
            throw ConfigError(
                file: jobs.path, line: nil,
                message:
                    "line \(row.line) of the batch: the account uses OAuth2, so its secret must be cmd:TOKEN-COMMAND")
        }
        return .tokenCommand(command)
    }
}

/// RFC 4180 CSV: fields separated by commas, optionally in double quotes (`""` is a quote inside),
/// records by CRLF or LF. Blank lines are skipped.
enum CSV {
    static func records(_ text: String, file: String) throws(ConfigError) -> [(line: Int, fields: [String])] {
        var records: [(Int, [String])] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var fieldWasQuoted = false
        var line = 1
        var recordLine = 1
        var characters = Array(text.unicodeScalars)[...]
        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].trimmingCharacters(in: .whitespaces).isEmpty && !fieldWasQuoted) {
                records.append((recordLine, fields))
            }
            fields = []
            field = ""
            fieldWasQuoted = false
        }
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" {
                        characters.removeFirst()
                        field.unicodeScalars.append("\"")
                    } else {
                        quoted = false
                    }
                } else {
                    if character == "\n" { line += 1 }
                    field.unicodeScalars.append(character)
                }
                continue
            }
            switch character {
            case "\"" where field.trimmingCharacters(in: .whitespaces).isEmpty:
                field = ""
                quoted = true
                fieldWasQuoted = true
            case ",":
                fields.append(field)
                field = ""
            case "\r" where characters.first == "\n":
                continue
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            default:
                field.unicodeScalars.append(character)
            }
        }
        if quoted { throw ConfigError(file: file, line: recordLine, message: "a quoted field is not closed") }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted { endRecord() }
        return records
    }
}
