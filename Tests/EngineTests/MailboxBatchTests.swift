import Engine
import Foundation
import Testing

/// The batch CSV: its columns, secret references (never passwords), stable shards, and the job each
/// row runs.
struct MailboxBatchTests {
    static let path = "/srv/batch/mailboxes.csv"

    @Test func rowsWithQuotesCRLFAndBlankLines() throws {
        let text =
            "source_user,dest_user,source_secret,dest_secret\r\n"
            + "alice@old.example,alice@new.example,env:ALICE_PW,file:secrets/alice\r\n"
            + "\r\n"
            + "\"bob, jr@old.example\",,\"cmd:pass show \"\"bob\"\"\",\n"
            + "carol@old.example,,,\n"
        let batch = try MailboxBatch.parse(text, path: Self.path)
        #expect(batch.rows.map(\.sourceUser) == ["alice@old.example", "bob, jr@old.example", "carol@old.example"])
        #expect(batch.rows.map(\.line) == [2, 4, 5])
        #expect(batch.rows[0].destinationUser == "alice@new.example")
        #expect(batch.rows[0].sourceSecret == .environment("ALICE_PW"))
        #expect(batch.rows[0].destinationSecret == .file("/srv/batch/secrets/alice"))
        #expect(batch.rows[1].sourceSecret == .command("pass show \"bob\""))
        #expect(batch.rows[1].destinationUser == nil && batch.rows[2].sourceSecret == nil)
    }

    @Test(arguments: [
        ("source_user,password\nalice,x\n", 1, "unknown column \"password\""),
        ("dest_user\nalice\n", 1, "needs a source_user column"),
        ("source_user,dest_user\nalice\n", 2, "has 1 fields; the header has 2"),
        ("source_user\nalice\nbob\nalice\n", 4, "source_user \"alice\" is already on line 2"),
        ("source_user,source_secret\nalice,\"unterminated\n", 2, "a quoted field is not closed"),
        ("", nil, "needs a header row"),
    ])
    func badFilesAreClearErrors(_ text: String, _ line: Int?, _ message: String) {
        #expect {
            try MailboxBatch.parse(text, path: Self.path)
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.line == line && error.message.contains(message) && error.file == Self.path
        }
    }

    @Test(arguments: ["hunter2", "pass:word", "ENV:", "password=hunter2"])
    func aPasswordInTheFileIsRefusedWithoutRepeatingIt(_ secret: String) {
        #expect {
            try MailboxBatch.parse("source_user,source_secret\nalice,\(secret)\n", path: Self.path)
        } throws: { error in
            "\(error)".contains("source_secret must be a reference (env:VAR, file:/path or cmd:COMMAND)")
                && !"\(error)".contains(secret)
        }
    }

    @Test func shardsCoverEveryRowOnceAndNewRowsMoveNoOther() throws {
        let users = (1...20).map { "user\($0)@example.com" }
        let batch = try MailboxBatch.parse("source_user\n" + users.joined(separator: "\n"), path: Self.path)
        for count in [1, 2, 3, 7] {
            let shards = (0..<count).map { batch.rows(shard: $0, of: count).map(\.sourceUser) }
            #expect(shards.flatMap { $0 }.sorted() == users.sorted(), "\(count) shards")
            #expect(Set(shards.flatMap { $0 }).count == users.count)
        }
        #expect(batch.rows(shard: 0, of: 2).count > 0 && batch.rows(shard: 1, of: 2).count > 0)
        let grown = try MailboxBatch.parse(
            "source_user\nnew-first@example.com\n" + users.reversed().joined(separator: "\n")
                + "\nnew-last@example.com",
            path: Self.path)
        for shard in 0..<3 {
            let before = Set(batch.rows(shard: shard, of: 3).map(\.sourceUser))
            let after = Set(grown.rows(shard: shard, of: 3).map(\.sourceUser))
            #expect(before.isSubset(of: after), "shard \(shard)")
        }
    }

    static let jobFile = """
        [accounts.old]
        host = "imap.old.example"
        user = "template"
        password_env = "TEMPLATE_PW"

        [accounts.new]
        host = "imap.new.example"
        user = "template"
        auth = "xoauth2"
        token_command = "fetch-token"

        [[jobs]]
        name = "move"
        migrate = { from = "old", to = "new" }
        staging = "/srv/staging"

        [[jobs]]
        name = "keep"
        backup = "old"
        into = "/srv/backups"

        [batch]
        template = "move"
        parallel = 8
        """

    @Test func aRowRunsTheTemplateWithItsOwnUsersSecretsAndDirectory() throws {
        let jobs = try JobFile.parse(Self.jobFile, path: "/srv/jobs.toml")
        #expect(jobs.batch?.template == "move" && jobs.batch?.parallel == 8)
        let batch = try MailboxBatch.parse(
            "source_user,dest_user,source_secret,dest_secret\nann@old.example,ann@new.example,env:ANN,cmd:token ann\n"
                + "bo/b@old.example,,,\n",
            path: Self.path)
        let template = try #require(jobs.jobs.first)
        let (job, source, destination) = try MailboxBatch.job(for: batch.rows[0], template: template, in: jobs)
        #expect(job.name == "ann@old.example" && job.into == "/srv/staging/ann@old.example")
        #expect(source.user == "ann@old.example" && source.secret == .environment("ANN"))
        #expect(source.endpoint.host == "imap.old.example")
        #expect(destination?.user == "ann@new.example" && destination?.secret == .tokenCommand("token ann"))
        #expect(job.migrate?.to == destination?.name && job.backup == source.name)

        let (plain, keptSource, sameUser) = try MailboxBatch.job(for: batch.rows[1], template: template, in: jobs)
        #expect(!plain.into!.dropFirst("/srv/staging/".count).contains("/"), "the user is one path component")
        #expect(keptSource.secret == .environment("TEMPLATE_PW"), "an empty secret is the template's")
        #expect(sameUser?.user == "bo/b@old.example" && sameUser?.secret == .tokenCommand("fetch-token"))

        let oauth = try MailboxBatch.parse("source_user,dest_secret\nann,env:ANN_TOKEN\n", path: Self.path)
        #expect(throws: ConfigError.self) { try MailboxBatch.job(for: oauth.rows[0], template: template, in: jobs) }
    }

    @Test func theBatchTableNamesAJobOfTheFile() {
        let text = Self.jobFile.replacingOccurrences(of: "template = \"move\"", with: "template = \"nope\"")
        #expect {
            try JobFile.parse(text, path: "/srv/jobs.toml")
        } throws: { error in
            "\(error)".contains("batch.template names \"nope\"")
        }
    }
}

extension MailboxBatchTests {
    @Test func theFleetSampleIsABatch() throws {
        let jobs = try JobFile.load(path: JobFileTests.samples.appendingPathComponent("fleet-migration.toml").path)
        let batch = try MailboxBatch.load(path: JobFileTests.samples.appendingPathComponent("fleet-mailboxes.csv").path)
        let template = try #require(jobs.jobs.first { $0.name == jobs.batch?.template })
        let (job, source, destination) = try MailboxBatch.job(for: batch.rows[0], template: template, in: jobs)
        #expect(job.into == "/srv/mail/staging/alice@old-host.example")
        #expect(source.secret == .file("/run/secrets/alice-old") && destination?.user == "alice@example.com")
    }

    @Test func theKubernetesSampleGivesEachPodItsShard() throws {
        let text = try String(
            contentsOf: JobFileTests.samples.appendingPathComponent("k8s/batch-job.yaml"), encoding: .utf8)
        #expect(text.contains("completionMode: Indexed"))
        let completions = try #require(
            text.split(separator: "\n").first { $0.contains("completions:") }?.split(separator: "#").first?
                .split(separator: ":").last?.trimmingCharacters(in: .whitespaces))
        #expect(text.contains("- --shard\n            - $(JOB_COMPLETION_INDEX)/\(completions)\n"))
        #expect(text.contains("- batch") && text.contains("--config"))
        // Secrets come in as environment variables: a mounted secret volume is group-readable under
        // fsGroup (or unreadable without it), and mailferry refuses a group-readable password_file.
        #expect(text.contains("- secretRef: { name: mailferry-secrets }"))
        #expect(!text.contains("secretName:"))
    }
}
