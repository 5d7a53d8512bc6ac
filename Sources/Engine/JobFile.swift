import Foundation
import MailCore
import MailTransport
import TOMLKit

/// Where an account's password comes from. The password itself is never stored in the job.
public enum SecretSource: Sendable, Hashable {
    case environment(String)
    /// A shell command whose standard output (first line) is the secret.
    case command(String)
    /// A file (owner-only) whose first line is the secret.
    case file(String)
    /// `token_command`: a shell command whose standard output is an OAuth2 access token (bare, or in
    /// a JSON object with its expiry).
    case tokenCommand(String)
    /// `client_id` (and `token_file`): tokens kept by `mailferry auth` and refreshed when they expire.
    case oauthClient(OAuthClient)
}

public enum MailProtocol: String, Sendable, Hashable {
    case imap
    case pop3
}

/// An `[accounts.NAME]` table.
public struct AccountConfig: Sendable, Hashable {
    public var name: String
    public var mailProtocol: MailProtocol
    public var endpoint: Endpoint
    public var user: String
    public var secret: SecretSource
    /// How the account logs in: a password, or an OAuth2 token with XOAUTH2 or OAUTHBEARER.
    public var auth: AuthMethod
    /// The `provider` preset the account's defaults came from.
    public var provider: String?
    /// What a POP3 backup leaves on the server and how much one run takes.
    public var pop3: POP3Policy
    /// At most this many connections to the account's server (host and port) at once, whoever opens
    /// them (`max_connections`, of the account or the job file).
    public var maxConnections: Int
    /// `max_bytes_per_day`: at most this many bytes of new mail downloaded in any 24 hours, counted
    /// over the runs in the backup's catalog (a budget like Gmail's about 2.5 GB a day).
    public var maxBytesPerDay: Int64?

    public init(
        name: String, mailProtocol: MailProtocol, endpoint: Endpoint, user: String, secret: SecretSource,
        pop3: POP3Policy = POP3Policy(), auth: AuthMethod = .plain, provider: String? = nil,
        maxConnections: Int = ConnectionLimiter.defaultPerServer
    ) {
        self.name = name
        self.mailProtocol = mailProtocol
        self.endpoint = endpoint
        self.user = user
        self.secret = secret
        self.pop3 = pop3
        self.auth = auth
        self.provider = provider
        self.maxConnections = maxConnections
    }
}

/// A POP3 account's `keep_on_server`, `max_messages` and `max_bytes`.
public struct POP3Policy: Sendable, Hashable {
    public enum KeepOnServer: Sendable, Hashable {
        /// `keep_on_server = true` (the default): never delete.
        case always
        /// `keep_on_server = { delete_after_days = N }`: delete N days after the message was first saved.
        case days(Int)
        /// `keep_on_server = false`: delete each message once it is saved.
        case never
    }

    public var keepOnServer: KeepOnServer
    /// At most this many new messages per run (the next run continues).
    public var maxMessages: Int?
    /// At most about this many bytes of new messages per run: a run stops before the message that
    /// would pass it, but always takes at least one.
    public var maxBytes: Int64?

    public init(keepOnServer: KeepOnServer = .always, maxMessages: Int? = nil, maxBytes: Int64? = nil) {
        self.keepOnServer = keepOnServer
        self.maxMessages = maxMessages
        self.maxBytes = maxBytes
    }
}

/// A `[[jobs]]` entry.
public struct JobConfig: Sendable, Hashable {
    public var name: String
    /// The account to back up.
    public var backup: String?
    /// The backup directory, resolved against the job file's folder.
    public var into: String?
    public var formats: [String]
    public var include: [String]
    public var exclude: [String]
    /// For a migrate job: `backup` is the source, `into` the staging backup, and this the replay.
    public var migrate: MigrateConfig?
    /// `prune_gone_after_days`: mail gone from the server this many days is removed from the
    /// backup. nil (the default) keeps everything forever.
    public var pruneGoneAfterDays: Int?
    /// `poll` and `every`: how `mailferry watch` paces its passes.
    public var watch = WatchJob.Timing()

    public init(
        name: String, backup: String?, into: String?, formats: [String] = ["maildir"], include: [String] = [],
        exclude: [String] = [], migrate: MigrateConfig? = nil, pruneGoneAfterDays: Int? = nil
    ) {
        self.name = name
        self.backup = backup
        self.into = into
        self.formats = formats
        self.include = include
        self.exclude = exclude
        self.migrate = migrate
        self.pruneGoneAfterDays = pruneGoneAfterDays
    }
}

/// A parsed job file (TOML).
public struct JobFile: Sendable {
    public var path: String
    public var accounts: [String: AccountConfig]
    public var jobs: [JobConfig]
    /// `parallel = N`: how many jobs of different accounts run at once.
    public var parallel: Int = 1
    /// The `[batch]` table, for `mailferry batch`.
    public var batch: BatchConfig?

    /// Reads and checks a job file. Unknown keys, missing keys and wrong types are errors that name
    /// the line.
    public static func load(path: String) throws(ConfigError) -> JobFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, line: nil, message: "cannot read the job file: \(error.localizedDescription)")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws(ConfigError) -> JobFile {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(file: path, line: error.source.begin.line, message: error.description)
        } catch {
            throw ConfigError(file: path, line: nil, message: "\(error)")
        }
        let lines = KeyLines(text)
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        var reader = TableReader(table: root, path: "", file: path, lines: lines)
        let parallel = try reader.int("parallel") ?? 1
        guard parallel >= 1 else { throw reader.error("parallel", "must be at least 1") }
        let maxConnections = try reader.int("max_connections") ?? ConnectionLimiter.defaultPerServer
        guard maxConnections >= 1 else { throw reader.error("max_connections", "must be at least 1") }
        var accounts: [String: AccountConfig] = [:]
        if let accountsTable = try reader.table("accounts") {
            for name in accountsTable.keys.sorted() {
                guard let table = accountsTable[name]?.table else {
                    throw ConfigError(
                        file: path, line: lines.line(table: "accounts", key: name),
                        message: "accounts.\(name) must be a table")
                }
                var account = TableReader(table: table, path: "accounts.\(name)", file: path, lines: lines)
                var config = try parseAccount(name: name, &account, base: base)
                config.maxConnections = try account.int("max_connections") ?? maxConnections
                guard config.maxConnections >= 1 else { throw account.error("max_connections", "must be at least 1") }
                accounts[name] = config
                try account.rejectUnknownKeys()
            }
        }
        var jobs: [JobConfig] = []
        if let array = try reader.arrayOfTables("jobs") {
            for (index, table) in array.enumerated() {
                var job = TableReader(table: table, path: "jobs[\(index)]", file: path, lines: lines)
                let config = try parseJob(&job, base: base)
                try job.rejectUnknownKeys()
                if let backup = config.backup, accounts[backup] == nil {
                    throw job.error(config.migrate == nil ? "backup" : "migrate", "names account \"\(backup)\", which is not defined")
                }
                if config.pruneGoneAfterDays != nil, let backup = config.backup,
                    let account = accounts[backup], account.mailProtocol == .pop3, account.pop3.keepOnServer != .always
                {
                    // Mail this backup deleted from the server would count as gone: its only copy.
                    throw job.error(
                        "prune_gone_after_days",
                        "cannot be used for account \"\(backup)\", whose keep_on_server lets mailferry delete mail from the server: the backup would then remove its only copy")
                }
                if let target = config.migrate?.to, accounts[target] == nil {
                    throw job.error("migrate", "names account \"\(target)\", which is not defined")
                }
                if jobs.contains(where: { $0.name == config.name }) {
                    throw job.error("name", "a job named \"\(config.name)\" is already defined")
                }
                jobs.append(config)
            }
        }
        let batch = try parseBatch(&reader, jobs: jobs, lines: lines)
        try reader.rejectUnknownKeys()
        return JobFile(path: path, accounts: accounts, jobs: jobs, parallel: parallel, batch: batch)
    }

    /// `[batch]`: `template = "JOB"` (a backup or migrate job) and an optional `parallel`.
    static func parseBatch(_ reader: inout TableReader, jobs: [JobConfig], lines: KeyLines) throws(ConfigError)
        -> BatchConfig?
    {
        guard let table = try reader.table("batch") else { return nil }
        var batch = TableReader(table: table, path: "batch", file: reader.file, lines: lines)
        try batch.rejectKeys(notIn: ["template", "parallel"])
        guard let template = try batch.string("template") else { throw batch.missing("template") }
        guard jobs.contains(where: { $0.name == template && $0.backup != nil }) else {
            throw batch.error("template", "names \"\(template)\", which is not a backup or migrate job of this file")
        }
        let parallel = try batch.int("parallel")
        if let parallel, parallel < 1 { throw batch.error("parallel", "must be at least 1") }
        return BatchConfig(template: template, parallel: parallel)
    }

    /// The account `[accounts.NAME]`, or an error that lists the defined ones.
    public func account(named name: String) throws(ConfigError) -> AccountConfig {
        guard let account = accounts[name] else {
            let known = accounts.keys.sorted().joined(separator: ", ")
            throw ConfigError(
                file: path, line: nil, message: "no account named \"\(name)\" (defined: \(known.isEmpty ? "none" : known))")
        }
        return account
    }

    static let accountKeys: Set<String> = [
        "provider", "protocol", "host", "port", "tls", "user", "auth", "token_command", "password_env",
        "password_command", "password_file", "ca_file", "keep_on_server", "max_messages", "max_bytes",
        "max_connections", "client_id", "scope", "device_endpoint", "token_endpoint", "token_file", "max_bytes_per_day",
        "connect_timeout", "read_timeout",
    ]
    static let jobKeys = Set([
        "name", "backup", "into", "formats", "include", "exclude", "migrate", "prune_gone_after_days", "poll", "every",
    ]).union(migrateKeys)

    static func parseAccount(name: String, _ table: inout TableReader, base: URL) throws(ConfigError) -> AccountConfig {
        try table.rejectKeys(notIn: accountKeys)
        var preset: ProviderPreset?
        if let providerName = try table.string("provider") {
            guard let known = ProviderPreset.named(providerName) else {
                let names = ProviderPreset.all.map(\.name).joined(separator: ", ")
                throw table.error("provider", "\"\(providerName)\" is not a known provider (known: \(names))")
            }
            preset = known
        }
        let protocolName = try table.string("protocol") ?? "imap"
        guard let mailProtocol = MailProtocol(rawValue: protocolName) else {
            throw table.error("protocol", "must be \"imap\" or \"pop3\", not \"\(protocolName)\"")
        }
        let server = preset?.server(for: mailProtocol)
        if let preset, server == nil, table.table["host"] == nil {
            throw table.error(
                "provider", "\"\(preset.name)\" (\(preset.title)) offers no \(protocolName.uppercased()) access")
        }
        guard let host = try table.string("host") ?? server?.host else { throw table.missing("host") }
        guard !host.isEmpty else { throw table.error("host", "must not be empty") }
        let explicitTLS = try table.string("tls")
        let tlsName = explicitTLS ?? server?.tls.rawValue ?? "implicit"
        guard let tls = TLSMode(rawValue: tlsName) else {
            throw table.error("tls", "must be \"implicit\", \"starttls\" or \"none\", not \"\(tlsName)\"")
        }
        let defaultPort =
            switch (mailProtocol, tls) {
            case (.imap, .implicit): 993
            case (.imap, _): 143
            case (.pop3, .implicit): 995
            case (.pop3, _): 110
            }
        // The preset's port goes with the preset's TLS mode: a `tls` of one's own brings its own port.
        let presetPort = explicitTLS == nil ? server?.port : nil
        let port = try table.int("port") ?? presetPort ?? defaultPort
        guard (1...65535).contains(port) else { throw table.error("port", "must be between 1 and 65535") }
        guard let user = try table.string("user") else { throw table.missing("user") }
        let authName = try table.string("auth")
        let auth: AuthMethod
        if let authName {
            guard let method = AuthMethod(rawValue: authName.lowercased()) else {
                throw table.error(
                    "auth", "must be \"plain\", \"login\", \"xoauth2\" or \"oauthbearer\", not \"\(authName)\"")
            }
            auth = method
        } else {
            auth = preset?.auth ?? .plain
        }
        // Passwords are refused only when the preset's own server would be asked: a host of one's own
        // overrides the preset's rules with its settings.
        let secret = try parseSecret(
            &table, name: name, auth: auth, preset: host == server?.host ? preset : nil, explicitAuth: authName != nil,
            base: base)
        let caFile = try table.string("ca_file").map { resolve($0, base) }
        let defaults = Endpoint(host: host, port: port, tls: tls)
        let endpoint = Endpoint(
            host: host, port: port, tls: tls, caFile: caFile,
            connectTimeoutSeconds: try seconds(&table, "connect_timeout") ?? defaults.connectTimeoutSeconds,
            readTimeoutSeconds: try seconds(&table, "read_timeout") ?? defaults.readTimeoutSeconds)
        let pop3 = try parsePOP3Policy(&table, mailProtocol: mailProtocol)
        var account = AccountConfig(
            name: name, mailProtocol: mailProtocol, endpoint: endpoint, user: user, secret: secret, pop3: pop3,
            auth: auth, provider: preset?.name)
        account.maxBytesPerDay = try table.bytes("max_bytes_per_day")
        return account
    }

    /// `connect_timeout` / `read_timeout`: whole seconds, 1 to 3600 (a stalled server ends the run
    /// after this much silence instead of the default 20 s / 120 s).
    static func seconds(_ table: inout TableReader, _ key: String) throws(ConfigError) -> Int64? {
        guard let value = try table.int(key) else { return nil }
        guard (1...3600).contains(value) else { throw table.error(key, "must be a number of seconds from 1 to 3600") }
        return Int64(value)
    }

    /// A password account needs exactly one `password_*` key; an OAuth2 account needs `token_command`
    /// or `client_id`.
    static func parseSecret(
        _ table: inout TableReader, name: String, auth: AuthMethod, preset: ProviderPreset?, explicitAuth: Bool,
        base: URL
    ) throws(ConfigError) -> SecretSource {
        let client = try parseOAuthClient(&table, name: name, preset: preset, base: base)
        var sources: [SecretSource] = []
        if let variable = try table.string("password_env") { sources.append(.environment(variable)) }
        if let command = try table.string("password_command") { sources.append(.command(command)) }
        if let file = try table.string("password_file") { sources.append(.file(resolve(file, base))) }
        let tokenCommand = try table.string("token_command")
        if auth.isOAuth {
            let passwordKeys = ["password_env", "password_command", "password_file"]
            if let key = passwordKeys.first(where: { table.table[$0] != nil }) {
                throw table.error(
                    key, "does not apply with auth = \"\(auth.rawValue)\": the token comes from token_command")
            }
            if let client { return .oauthClient(client) }
            guard let tokenCommand, !tokenCommand.isEmpty else {
                let why =
                    explicitAuth
                    ? "auth = \"\(auth.rawValue)\"" : "provider = \"\(preset?.name ?? "")\" (OAuth2 only)"
                throw ConfigError(
                    file: table.file, line: table.line(of: nil),
                    message:
                        "[\(table.path)] needs token_command with \(why): a command that prints an access token (or client_id, for mailferry auth)")
            }
            return .tokenCommand(tokenCommand)
        }
        if tokenCommand != nil {
            throw table.error("token_command", "needs auth = \"xoauth2\" or \"oauthbearer\"")
        }
        if client != nil {
            throw table.error("client_id", "needs auth = \"xoauth2\" or \"oauthbearer\"")
        }
        if let preset, !preset.acceptsPasswords {
            throw table.error(
                explicitAuth ? "auth" : "provider",
                "\(preset.title) refuses passwords over IMAP and POP3: use auth = \"xoauth2\" with token_command")
        }
        guard sources.count == 1, let secret = sources.first else {
            throw ConfigError(
                file: table.file, line: table.lines.line(table: table.path, key: nil),
                message: "[\(table.path)] needs exactly one of password_env, password_command, password_file")
        }
        return secret
    }

    /// `client_id` with `token_endpoint`, `device_endpoint` and `scope` (the provider's by default) and
    /// `token_file` (default: `<account>.oauth-token.json` beside the job file).
    static func parseOAuthClient(_ table: inout TableReader, name: String, preset: ProviderPreset?, base: URL)
        throws(ConfigError) -> OAuthClient?
    {
        guard let clientID = try table.string("client_id") else {
            for key in ["scope", "device_endpoint", "token_endpoint", "token_file"] where table.table[key] != nil {
                throw table.error(key, "needs client_id (tokens kept by mailferry auth)")
            }
            return nil
        }
        guard !clientID.isEmpty else { throw table.error("client_id", "must not be empty") }
        if table.table["token_command"] != nil {
            throw table.error("token_command", "and client_id cannot both be given: choose where tokens come from")
        }
        var endpoints: [String: String] = [:]
        for key in ["device_endpoint", "token_endpoint"] {
            guard let url = try table.string(key) else { continue }
            do {
                _ = try HTTPClient.target(url)
            } catch {
                throw table.error(key, "\(error)")
            }
            endpoints[key] = url
        }
        guard let tokenEndpoint = endpoints["token_endpoint"] ?? preset?.oauth?.token else {
            throw table.error("client_id", "needs token_endpoint (and device_endpoint for mailferry auth): the provider has no preset for them")
        }
        let tokenFile = resolve(try table.string("token_file") ?? PathComponent.escape(name) + ".oauth-token.json", base)
        return OAuthClient(
            clientID: clientID, scope: try table.string("scope") ?? preset?.oauth?.scope,
            deviceEndpoint: endpoints["device_endpoint"] ?? preset?.oauth?.device, tokenEndpoint: tokenEndpoint,
            tokenFile: tokenFile)
    }

    static func parsePOP3Policy(_ table: inout TableReader, mailProtocol: MailProtocol) throws(ConfigError) -> POP3Policy {
        if mailProtocol != .pop3 {
            for key in ["keep_on_server", "max_messages", "max_bytes"] where table.table[key] != nil {
                throw table.error(key, "applies to POP3 accounts only (protocol = \"pop3\")")
            }
            return POP3Policy()
        }
        var policy = POP3Policy()
        if let value = table.value("keep_on_server") {
            if let keep = value.bool {
                policy.keepOnServer = keep ? .always : .never
            } else if let inline = value.table {
                var days = TableReader(
                    table: inline, path: table.qualified("keep_on_server"), file: table.file, lines: table.lines)
                let count: Int?
                do {
                    try days.rejectKeys(notIn: ["delete_after_days"])
                    count = try days.int("delete_after_days")
                } catch {
                    // Keys of an inline table have no line of their own: point at keep_on_server's.
                    throw ConfigError(
                        file: error.file, line: error.line ?? table.lines.line(table: table.path, key: "keep_on_server"),
                        message: error.message)
                }
                guard let count else {
                    throw table.error("keep_on_server", "must be true, false or { delete_after_days = N }")
                }
                guard count >= 0 else { throw table.error("keep_on_server", "delete_after_days must be 0 or more") }
                policy.keepOnServer = .days(count)
            } else {
                throw table.error("keep_on_server", "must be true, false or { delete_after_days = N }")
            }
        }
        if let count = try table.int("max_messages") {
            guard count > 0 else { throw table.error("max_messages", "must be at least 1") }
            policy.maxMessages = count
        }
        if let bytes = try table.bytes("max_bytes") { policy.maxBytes = bytes }
        return policy
    }

    static func parseJob(_ table: inout TableReader, base: URL) throws(ConfigError) -> JobConfig {
        try table.rejectKeys(notIn: jobKeys)
        guard let name = try table.string("name") else { throw table.missing("name") }
        let formats = try table.strings("formats") ?? ["maildir"]
        for format in formats where !ArchiveSet.formats.contains(format) {
            throw table.error("formats", "unknown format \"\(format)\" (supported: \"maildir\", \"mbox\")")
        }
        guard !formats.isEmpty else { throw table.error("formats", "must name at least one format") }
        guard Set(formats).count == formats.count else { throw table.error("formats", "names a format twice") }
        let include = try table.strings("include") ?? []
        let exclude = try table.strings("exclude") ?? []
        let pruneDays = try table.int("prune_gone_after_days")
        if let pruneDays, pruneDays < 1 {
            throw table.error("prune_gone_after_days", "must be at least 1 (leave it out to keep gone mail forever)")
        }
        if let migrate = try parseMigrate(&table, name: name, include: include, exclude: exclude, base: base) {
            if pruneDays != nil {
                throw table.error("prune_gone_after_days", "applies to backup jobs; a migration's staging backup keeps everything")
            }
            if table.table["backup"] != nil {
                throw table.error("backup", "and migrate cannot both be given: a migrate job backs up its source itself")
            }
            return JobConfig(
                name: name, backup: migrate.from, into: migrate.staging, formats: formats, include: include,
                exclude: exclude, migrate: migrate.config)
        }
        let backup = try table.string("backup")
        let into = try table.string("into").map { resolve($0, base) }
        if backup != nil, into == nil { throw table.missing("into") }
        var job = JobConfig(
            name: name, backup: backup, into: into, formats: formats, include: include, exclude: exclude,
            pruneGoneAfterDays: pruneDays)
        if let poll = try table.seconds("poll") { job.watch.poll = poll }
        if let every = try table.seconds("every") { job.watch.every = every }
        return job
    }

    static func resolve(_ path: String, _ base: URL) -> String {
        if path.hasPrefix("/") { return path }
        if path == "~" || path.hasPrefix("~/") {
            return NSString(string: path).expandingTildeInPath
        }
        return base.appendingPathComponent(path).standardizedFileURL.path
    }
}

/// Sizes in job files: `"500MB"`, `"2 GB"`, `"750KB"`, `"1024"` (KB = 1,000 bytes; KiB = 1,024).
enum ByteSize {
    static func parse(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let digits = trimmed.prefix { $0.isNumber }
        guard !digits.isEmpty, let number = Int64(digits) else { return nil }
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        let factors: [String: Int64] = [
            "": 1, "B": 1, "KB": 1_000, "MB": 1_000_000, "GB": 1_000_000_000, "KIB": 1 << 10, "MIB": 1 << 20,
            "GIB": 1 << 30,
        ]
        guard let factor = factors[unit] else { return nil }
        let (product, overflow) = number.multipliedReportingOverflow(by: factor)
        return overflow ? nil : product
    }
}
