import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension DovecotServer {
    /// Runs `doveadm -c <this server's config> <arguments>` and returns its standard output.
    ///
    /// For expunging (`expunge -u alice mailbox INBOX uid 3`), changing flags (`flags add -u alice '\Seen'
    /// mailbox INBOX uid 1`), deleting and recreating folders (new UIDVALIDITY) and reading state
    /// (`mailbox status -u alice 'uidvalidity highestmodseq' INBOX`).
    @discardableResult
    public func doveadm(_ arguments: [String]) throws -> String {
        guard !isStopped else { throw DovecotServerError.stopped }
        return try Subprocess.check("doveadm", ["-c", configurationPath] + arguments).stdoutText
    }

    /// The server's name for a folder given as hierarchy components: `Projects/2024` in the slash layout,
    /// `INBOX.Projects.2024` in the dot layout; `["INBOX"]` is `INBOX` in both.
    public func folderName(_ components: [String]) -> String {
        if components == ["INBOX"] { return "INBOX" }
        switch options.layout {
        case .slash: return components.joined(separator: "/")
        case .dotWithInboxPrefix: return "INBOX." + components.joined(separator: ".")
        }
    }

    /// The hierarchy delimiter of the personal namespace.
    public var hierarchyDelimiter: Character {
        options.layout == .slash ? "/" : "."
    }

    /// Creates a folder (and its parents) by its server name, any Unicode; a folder that exists is fine.
    public func createFolder(user: String, name: String) throws {
        if name.uppercased() == "INBOX" {
            // INBOX exists implicitly; opening it makes Dovecot create its Maildir.
            try doveadm(["mailbox", "status", "-u", user, "messages", "--", "INBOX"])
            return
        }
        do {
            try doveadm(["mailbox", "create", "-u", user, "--", name])
        } catch DovecotServerError.commandFailed(_, _, let output) where output.contains("already exists") {
            return
        }
    }

    /// Deletes a folder and its messages; recreating it afterwards gives it a new UIDVALIDITY.
    public func deleteFolder(user: String, name: String) throws {
        try doveadm(["mailbox", "delete", "-u", user, "-s", "--", name])
        _ = state.withLock { $0.mailboxPaths.removeValue(forKey: user + "\u{0}" + name) }
    }

    /// All folders of `user` as the server names them (UTF-8, not modified UTF-7).
    public func folderNames(user: String) throws -> [String] {
        try doveadm(["mailbox", "list", "-u", user]).split(separator: "\n").map(String.init)
    }

    /// UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ and message count of a folder, as `doveadm mailbox status` reports.
    public func status(user: String, folder: String) throws -> [String: String] {
        let output = try doveadm([
            "-f", "flow", "mailbox", "status", "-u", user, "messages uidvalidity uidnext highestmodseq", "--", folder,
        ])
        var result: [String: String] = [:]
        for pair in output.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { result[String(parts[0])] = String(parts[1]) }
        }
        return result
    }

    /// The Maildir directory (holding `cur`, `new`, `tmp`) of a folder.
    public func maildirPath(user: String, folder: String) throws -> String {
        let key = user + "\u{0}" + folder
        if let known = state.withLock({ $0.mailboxPaths[key] }) { return known }
        let path = try doveadm(["mailbox", "path", "-u", user, "--", folder])
            .trimmingCharacters(in: .newlines)
        state.withLock { $0.mailboxPaths[key] = path }
        return path
    }

    /// Puts messages into a folder (created if missing) with their exact bytes, flags and INTERNALDATE, and
    /// returns how many were delivered. UIDs follow the order of `messages`.
    ///
    /// Files are written straight into the Maildir (`tmp/`, then renamed into `cur/` with `:2,` flags; file
    /// mtime = INTERNALDATE; keywords through `dovecot-keywords`), then `doveadm force-resync` makes Dovecot
    /// index them; a sequence is consumed one message at a time, so lazily generated corpora never sit in
    /// memory. Bytes are stored unaltered; Dovecot then *serves* bare LF as CRLF and NUL as 0x80 (see
    /// `CorpusMessage.servedBytes`). At most 26 distinct keywords per folder (the Maildir letter limit).
    @discardableResult
    public func deliver<Messages: Sequence>(user: String, folder: String, messages: Messages) throws -> Int
    where Messages.Element == CorpusMessage {
        try createFolder(user: user, name: folder)
        let path = try maildirPath(user: user, folder: folder)
        var keywords = try MaildirKeywords(directory: path, identity: identity)
        var delivered = 0
        for message in messages {
            let info = try keywords.infoFlags(for: message.flags)
            let base = nextMaildirBaseName()
            try writeMaildirFile(
                message.bytes, temporary: "\(path)/tmp/\(base)",
                final: "\(path)/cur/\(base),S=\(message.bytes.count):2,\(info)", date: message.internalDate)
            delivered += 1
        }
        try doveadm(["force-resync", "-u", user, "--", folder])
        return delivered
    }

    /// Delivers a whole corpus mailbox (see `Corpus.mailbox(seed:)`), naming folders for this layout.
    public func deliver(user: String, mailbox: [CorpusFolder]) throws {
        for entry in mailbox {
            let name = folderName(entry.folder)
            if entry.messages.isEmpty {
                try createFolder(user: user, name: name)
            } else {
                try deliver(user: user, folder: name, messages: entry.messages)
            }
        }
    }

    /// Dovecot gives new Maildir files UIDs in the order of the time stamps in their names, so the names count
    /// up: seconds from the server's start, then a microsecond field used as a sequence number.
    private func nextMaildirBaseName() -> String {
        let (epoch, sequence) = state.withLock { state -> (UInt64, UInt64) in
            defer { state.deliverySequence += 1 }
            return (state.deliveryEpoch, state.deliverySequence)
        }
        let seconds = epoch + sequence / 1_000_000
        return "\(seconds).M\(sequence % 1_000_000)P\(getpid())Q\(sequence).mailferry"
    }

    private func writeMaildirFile(_ bytes: [UInt8], temporary: String, final: String, date: Date) throws {
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DovecotServerError.deliveryFailed(path: temporary, errno: errno) }
        var failure: Int32 = 0
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        // Maildir INTERNALDATE is the file's mtime.
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
        if failure == 0 && futimens(fd, &times) != 0 { failure = errno }
        if failure == 0 && identity.isRoot && fchown(fd, identity.mailUID, identity.mailGID) != 0 { failure = errno }
        close(fd)
        if failure == 0 && rename(temporary, final) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw DovecotServerError.deliveryFailed(path: final, errno: failure)
        }
    }
}

/// The `dovecot-keywords` file of one Maildir: keyword names numbered 0-25, written in file names as the
/// letters a-z after the system flags.
struct MaildirKeywords {
    private let path: String
    private let identity: DovecotIdentity
    private var indexes: [String: Int] = [:]

    init(directory: String, identity: DovecotIdentity) throws {
        path = directory + "/dovecot-keywords"
        self.identity = identity
        if let data = FileManager.default.contents(atPath: path) {
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                let parts = line.split(separator: " ", maxSplits: 1)
                if parts.count == 2, let index = Int(parts[0]) {
                    indexes[String(parts[1])] = index
                }
            }
        }
    }

    /// The Maildir info letters (system flags, then keyword letters) for IMAP flags, in ASCII order as
    /// Maildir requires; new keywords are numbered and saved before the message file appears.
    mutating func infoFlags(for flags: [String]) throws -> String {
        var letters = Set<Character>()
        var added = false
        for flag in flags {
            switch flag.lowercased() {
            case "\\seen": letters.insert("S")
            case "\\answered": letters.insert("R")
            case "\\flagged": letters.insert("F")
            case "\\deleted": letters.insert("T")
            case "\\draft": letters.insert("D")
            default:
                guard !flag.hasPrefix("\\"), !flag.isEmpty else { throw DovecotServerError.unsupportedFlag(flag) }
                let index: Int
                if let known = indexes[flag] {
                    index = known
                } else {
                    guard let free = (0..<26).first(where: { !indexes.values.contains($0) }) else {
                        throw DovecotServerError.unsupportedFlag(flag)
                    }
                    indexes[flag] = free
                    index = free
                    added = true
                }
                letters.insert(Character(UnicodeScalar(UInt8(ascii: "a") + UInt8(index))))
            }
        }
        if added { try save() }
        return String(letters.sorted())
    }

    private func save() throws {
        let text = indexes.sorted { $0.value < $1.value }.map { "\($0.value) \($0.key)\n" }.joined()
        let temporary = path + ".mailferry-tmp"
        try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        if identity.isRoot { chown(temporary, identity.mailUID, identity.mailGID) }
        guard rename(temporary, path) == 0 else { throw DovecotServerError.deliveryFailed(path: path, errno: errno) }
    }
}
