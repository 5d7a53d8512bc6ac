import Foundation
import MailTransport
import Testing

@testable import Engine

struct JobFileTests {
    static let valid = """
        # a comment
        [accounts.work]
        protocol = "imap"
        host = "imap.example.com"
        tls = "starttls"
        user = "alice"
        password_env = "WORK_PASSWORD"
        ca_file = "certs/ca.pem"

        [accounts.home]
        host = "mail.example.org"
        user = "alice@example.org"
        password_command = "pass show mail/home"

        [[jobs]]
        name = "nightly"
        backup = "work"
        into = "backups/work"
        formats = ["maildir"]
        exclude = ["Junk", "Trash"]
        """

    @Test func parsesAccountsAndJobs() throws {
        let file = try JobFile.parse(Self.valid, path: "/etc/mailferry/jobs.toml")
        let work = try #require(file.accounts["work"])
        #expect(work.endpoint.host == "imap.example.com")
        #expect(work.endpoint.port == 143)
        #expect(work.endpoint.tls == .starttls)
        #expect(work.endpoint.caFile == "/etc/mailferry/certs/ca.pem")
        #expect(work.secret == .environment("WORK_PASSWORD"))
        let home = try #require(file.accounts["home"])
        #expect(home.endpoint.port == 993)
        #expect(home.endpoint.tls == .implicit)
        #expect(home.secret == .command("pass show mail/home"))
        #expect(file.jobs.count == 1)
        #expect(file.jobs[0].into == "/etc/mailferry/backups/work")
        #expect(file.jobs[0].exclude == ["Junk", "Trash"])
    }

    @Test(arguments: [
        ("[accounts.a]\nhost = \"h\"\nuser = \"u\"\npasword_env = \"X\"\n", 4, "unknown key \"pasword_env\""),
        ("[accounts.a]\nhost = \"h\"\nuser = \"u\"\n", 1, "exactly one of password_env"),
        ("[accounts.a]\nuser = \"u\"\npassword_env = \"X\"\n", 1, "missing the required key \"host\""),
        ("[accounts.a]\nhost = \"h\"\nport = \"993\"\nuser = \"u\"\npassword_env = \"X\"\n", 3, "port must be an integer"),
        ("[accounts.a]\nhost = \"h\"\ntls = \"yes\"\nuser = \"u\"\npassword_env = \"X\"\n", 3, "tls must be"),
        ("[accounts.a]\nhost = \"h\"\nuser = \"u\"\npassword_env = \"X\"\npassword_file = \"f\"\n", 1, "exactly one"),
        ("colour = 1\n", 1, "unknown key \"colour\" at the top level"),
        ("[[jobs]]\nname = \"j\"\nbackup = \"nope\"\ninto = \"d\"\n", 3, "not defined"),
        ("[[jobs]]\nname = \"j\"\n\n[[jobs]]\nname = \"k\"\nfrobnicate = true\n", 6, "unknown key \"frobnicate\" in [jobs[1]]"),
        ("[accounts.a\nhost = 1\n", 1, "parsing table header"),
        ("[[jobs]]\nname = \"m\"\nmigrate = { from = \"a\" }\n", 3, "missing the required key \"to\""),
        ("[[jobs]]\nname = \"m\"\nstaging = \"s\"\n", 3, "staging belongs to a migrate job"),
        ("[[jobs]]\nname = \"m\"\nmigrate = { from = \"x\", to = \"y\" }\n", 3, "names account \"x\""),
        (Self.migrate + "backup = \"old\"\n", 12, "backup and migrate cannot both be given"),
        (Self.migrate + "map = [ { from = \"a\", match = \"b\", to = \"c\" } ]\n", 12, "exactly one of from"),
        (Self.migrate + "map = [ { match = \"(\", to = \"c\" } ]\n", 12, "the pattern is not valid"),
        (Self.migrate + "filter = { max_size = \"huge\" }\n", 12, "max_size"),
        (Self.migrate + "filter = { colour = \"red\" }\n", 12, "unknown key \"colour\""),
        (Self.migrate + "labels = \"all\"\n", 12, "\"copy\", \"first\" or \"skip-all-mail\", not \"all\""),
        ("[[jobs]]\nname = \"j\"\nformats = [\"mbox\", \"eml\"]\n", 3, "unknown format \"eml\""),
        ("[[jobs]]\nname = \"j\"\nformats = []\n", 3, "at least one format"),
        ("[[jobs]]\nname = \"j\"\nformats = [\"mbox\", \"mbox\"]\n", 3, "names a format twice"),
    ])
    func rejectsWithTheLine(text: String, line: Int, message: String) {
        #expect {
            _ = try JobFile.parse(text, path: "jobs.toml")
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.line == line && error.message.contains(message) && error.file == "jobs.toml"
        }
    }

    static let migrate = """
        [accounts.old]
        host = "old.example.com"
        user = "alice"
        password_env = "OLD"
        [accounts.new]
        host = "new.example.com"
        user = "alice"
        password_env = "NEW"
        [[jobs]]
        name = "move"
        migrate = { from = "old", to = "new" }

        """

    @Test func parsesAMigrateJob() throws {
        let text =
            Self.migrate + """
                exclude = ["Junk"]
                automap = true
                into = "Imported"
                map = [ { from = "Sent Items", to = "Sent" }, { from = "Lists/*", to = "Lists/$1" },
                        { match = "^Archive/(\\\\d{4})$", to = "Archives/$1" } ]
                filter = { since = "2019-01-01", max_size = "50MB", min_size = 100, flags = ["\\\\Seen"], search = "invoice" }
                """
        let file = try JobFile.parse(text, path: "/etc/mailferry/jobs.toml")
        let job = try #require(file.jobs.first)
        #expect(job.backup == "old" && job.into == "/etc/mailferry/move.staging" && job.exclude == ["Junk"])
        let migrate = try #require(job.migrate)
        #expect(migrate.to == "new")
        #expect(migrate.mapping.automap && migrate.mapping.into == "Imported" && migrate.mapping.exclude == ["Junk"])
        #expect(
            migrate.mapping.rules == [
                FolderMapRule(.exact("Sent Items"), to: "Sent"), FolderMapRule(.glob("Lists/*"), to: "Lists/$1"),
                FolderMapRule(.regex("^Archive/(\\d{4})$"), to: "Archives/$1"),
            ])
        let selection = try migrate.filter.selection()
        #expect(selection.maxSize == 50_000_000 && selection.minSize == 100 && selection.flags == ["\\Seen"])
        #expect(selection.since == 1_546_300_800 && selection.search == "\"invoice\"")

        let staged = try JobFile.parse(Self.migrate + "staging = \"/srv/staging\"\n", path: "/etc/jobs.toml")
        #expect(staged.jobs[0].into == "/srv/staging" && staged.jobs[0].migrate?.mapping.rules == [])
        #expect(staged.jobs[0].migrate?.replayOptions.labels == .skipAllMail)
        let first = try JobFile.parse(Self.migrate + "labels = \"first\"\n", path: "/etc/jobs.toml")
        #expect(first.jobs[0].migrate?.replayOptions.labels == .first)
    }

    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples")

    @Test func formatsAreMaildirMboxOrBoth() throws {
        for formats in [["mbox"], ["maildir", "mbox"], ["mbox", "maildir"]] {
            let text = "[[jobs]]\nname = \"j\"\nformats = [\(formats.map { "\"\($0)\"" }.joined(separator: ", "))]\n"
            #expect(try JobFile.parse(text, path: "jobs.toml").jobs[0].formats == formats)
        }
        #expect(try JobFile.parse("[[jobs]]\nname = \"j\"\n", path: "jobs.toml").jobs[0].formats == ["maildir"])
    }

    @Test func theSampleJobFileParses() throws {
        let file = try JobFile.load(path: Self.samples.appendingPathComponent("backup.toml").path)
        #expect(file.accounts["work"]?.endpoint.tls == .implicit)
        #expect(file.jobs.first?.exclude.contains("Junk") == true)
    }

    @Test func everySampleJobFileParses() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.samples.path).filter { $0.hasSuffix(".toml") }
        #expect(names.count >= 4)
        var files: [String: JobFile] = [:]
        for name in names {
            files[name] = try JobFile.load(path: Self.samples.appendingPathComponent(name).path)
            #expect(files[name]?.jobs.isEmpty == false, "\(name)")
        }
        let m365 = try #require(files["office365-to-fastmail.toml"])
        #expect(m365.accounts["m365"]?.auth == .xoauth2 && m365.accounts["m365"]?.endpoint.host == "outlook.office365.com")
        #expect(m365.jobs.first?.migrate?.to == "fastmail")
        #expect(files["gmail-archive.toml"]?.accounts["gmail"]?.endpoint.host == "imap.gmail.com")
        let pop3 = try #require(files["pop3-isp.toml"])
        #expect(pop3.accounts.values.allSatisfy { $0.mailProtocol == .pop3 })
        #expect(pop3.accounts["gmx"]?.endpoint.host == "pop.gmx.com")
    }

    @Test func scheduledRunsAreQuiet() throws {
        for path in ["systemd/mailferry-backup.service", "cron/mailferry.crontab"] {
            let text = try String(contentsOf: Self.samples.appendingPathComponent(path), encoding: .utf8)
            #expect(text.contains("mailferry run") && text.contains("--quiet"), "\(path)")
        }
        let timer = try String(contentsOf: Self.samples.appendingPathComponent("systemd/mailferry-backup.timer"), encoding: .utf8)
        #expect(timer.contains("OnCalendar=") && timer.contains("Persistent=true"))
    }

    @Test func secretsComeFromEnvironmentCommandAndOwnerOnlyFiles() throws {
        setenv("MAILFERRY_TEST_SECRET", "s3cret", 1)
        #expect(try SecretResolver.resolve(.environment("MAILFERRY_TEST_SECRET")).value == "s3cret")
        #expect(try SecretResolver.resolve(.command("printf 'hunter2\\nsecond line'")).value == "hunter2")
        #expect(throws: SecretError.self) { try SecretResolver.resolve(.command("exit 3")) }
        #expect(throws: SecretError.self) { try SecretResolver.resolve(.environment("MAILFERRY_SURELY_UNSET")) }

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("password")
        try Data("filepass\n".utf8).write(to: file)
        chmod(file.path, 0o600)
        #expect(try SecretResolver.resolve(.file(file.path)).value == "filepass")
        chmod(file.path, 0o644)
        #expect {
            try SecretResolver.resolve(.file(file.path))
        } throws: { error in
            "\(error)".contains("readable by others") && !"\(error)".contains("filepass")
        }
    }

    @Test func secretsNeverShowInDescriptions() {
        let secret = Secret("topsecret")
        #expect("\(secret)" == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
        let sasl = SASL.plain(user: "alice", password: secret)
        #expect(!"\(sasl)".contains("topsecret"))
    }
}
