import Catalog
import Engine
import Foundation
import GRDB
import IMAPClient
import IMAPCore
import MailCore
import MailTransport
import TestSupport
import Testing

/// How a restore APPENDs against real Dovecots: MULTIAPPEND and its all-or-none failures, the fallback to
/// single APPENDs, limits and refusals.
@Suite(.serialized) struct ReplayAppendTests {
    /// alice's INBOX: `count` messages, the one at `cutAt` (0-based, in UID order) with a line the
    /// CuttingProxy cuts at.
    func deliverInbox(
        _ server: DovecotServer, count: Int, cutAt: Int? = nil, holdAt: Int? = nil, seed: UInt64 = 31
    ) throws {
        var generator = CorpusGenerator(seed: seed)
        var messages = (0..<count).map { index in
            var message = generator.message(ofSize: 1_500 + index * 97)
            message.flags = index % 3 == 0 ? ["\\Seen", "$Label1"] : []
            return message
        }
        if let cutAt { messages[cutAt].bytes = Array("X-Cut-Here: yes\r\n".utf8) + messages[cutAt].bytes }
        if let holdAt { messages[holdAt].bytes = Array("X-Hold-Here: yes\r\n".utf8) + messages[holdAt].bytes }
        // One delivery per message: the resync gives UIDs in this order.
        for message in messages { try server.deliver(user: "alice", folder: "INBOX", messages: [message]) }
    }

    @Test func multiAppendRestoresByteExactAndARerunAppendsNothing() async throws {
        let fixture = try await ReplayFixture.make()
        try loadReplayCorpus(fixture.source)
        try await fixture.backUp()
        let alice = try await fixture.alice()
        #expect(try await fixture.bobSession { $0.hasCapability("MULTIAPPEND") })
        var options = ReplayOptions()
        options.multiAppendMessages = 5
        options.multiAppendBytes = 12_000
        let first = try await fixture.restore(options)
        #expect(first.outcome == .success, "\(first.folders.flatMap(\.failedMessages))")
        #expect(first.appended == alice.messageCount)
        #expect(first.appendCommands < first.appended, "several messages per APPEND command")
        let bob = try await fixture.bobState()
        #expect(bob.contents.filter { !$0.value.isEmpty } == alice.contents.filter { !$0.value.isEmpty })
        // APPENDUID of a MULTIAPPEND names every message: the log holds each one's UID on bob.
        let catalog = try fixture.backup.catalog()
        let logged = try catalog.rows("SELECT folder, uid FROM replay_log WHERE state = 'done'")
        #expect(logged.count == alice.messageCount)
        #expect(logged.allSatisfy { !$0[1].isNull })

        let second = try await fixture.restore(options)
        #expect(second.appended == 0 && second.appendCommands == 0)
        #expect(try await fixture.bobState() == bob)
    }

    @Test func withoutMultiAppendEveryMessageIsItsOwnAppend() async throws {
        var settings = DovecotServer.Options()
        settings.settings = ["imap_capability = IMAP4rev1 LITERAL+ UIDPLUS NAMESPACE SPECIAL-USE LIST-EXTENDED"]
        let fixture = try await ReplayFixture.make(destinationOptions: settings)
        try deliverInbox(fixture.source, count: 12)
        try await fixture.backUp()
        let alice = try await fixture.alice()
        #expect(try await fixture.bobSession { !$0.hasCapability("MULTIAPPEND") })
        let report = try await fixture.restore()
        #expect(report.outcome == .success, "\(report.folders.flatMap(\.failedMessages))")
        #expect(report.appended == 12 && report.appendCommands == 12)
        #expect(try await fixture.bobState().contents == alice.contents)
    }

    /// The connection drops inside a MULTIAPPEND: the server keeps none of that command's messages, their
    /// rows stay pending, and the re-run ends with every message exactly once.
    @Test func aConnectionLostInsideAMultiAppendLeavesNoneOfItsMessagesAndTheRerunAppendsEachOnce() async throws {
        let fixture = try await ReplayFixture.make()
        try deliverInbox(fixture.source, count: 40, cutAt: 25)
        try await fixture.backUp()
        let alice = try await fixture.alice()
        let proxy = try CuttingProxy(targetPort: fixture.destinationServer.imapPort, cutAt: "X-Cut-Here")
        defer { proxy.stop() }
        var options = ReplayOptions()
        options.multiAppendMessages = 8
        fixture.bob.endpoint = Endpoint(
            host: proxy.host, port: proxy.port, tls: .none, connectTimeoutSeconds: 5, readTimeoutSeconds: 60)
        let interrupted = await #expect(throws: ReplayInterrupted.self) { try await fixture.restore(options) }
        #expect(proxy.cuts == 1)
        // The re-run goes the same way (the replay log knows the destination by its address).
        proxy.disarm()

        // Groups of 8: messages 24..<32 went in one command, cut after its first message; later groups were
        // never sent, earlier ones were stored whole.
        let held = try await fixture.bobState()["INBOX"]?.count ?? 0
        #expect(held % 8 == 0 && held <= 24, "\(held)")
        let catalog = try fixture.backup.catalog()
        let done = try catalog.rows("SELECT COUNT(*) FROM replay_log WHERE state = 'done'")[0][0]
        let pending = try catalog.rows("SELECT COUNT(*) FROM replay_log WHERE state = 'pending'")[0][0]
        let doneCount = Int.fromDatabaseValue(done)!
        #expect(doneCount <= held && doneCount == interrupted?.report.appended)
        #expect(doneCount + Int.fromDatabaseValue(pending)! == 40)

        let resumed = try await fixture.restore(options)
        #expect(resumed.outcome == .success, "\(resumed.folders.flatMap(\.failedMessages))")
        #expect(resumed.appended == 40 - held)
        #expect(resumed.folders[0].alreadyPresent == held - doneCount)
        #expect(try await fixture.bobState().contents == alice.contents)
        #expect(try catalog.rows("SELECT COUNT(*) FROM replay_log WHERE state = 'pending'")[0][0] == 0.databaseValue)
    }

    /// The server is still saving two MULTIAPPENDs of the lost session when the replay connects again at once:
    /// the resumed run waits for the folder to settle before its lookup, and appends each message once.
    @Test func aLostSessionTheServerIsStillSavingIsWaitedForBeforeTheLookup() async throws {
        let fixture = try await ReplayFixture.make()
        try deliverInbox(fixture.source, count: 40, cutAt: 25, holdAt: 10)
        try await fixture.backUp()
        let alice = try await fixture.alice()
        // Groups of 8: the rest of 8..<16, all of 16..<24 and the start of 24..<32 reach the server 0.3 s after
        // the client saw its connection cut; the two whole groups are saved then.
        let proxy = try CuttingProxy(
            targetPort: fixture.destinationServer.imapPort, cutAt: "X-Cut-Here", holdFrom: "X-Hold-Here",
            lateBy: 0.3)
        defer { proxy.stop() }
        var options = ReplayOptions()
        options.multiAppendMessages = 8
        fixture.bob.endpoint = Endpoint(
            host: proxy.host, port: proxy.port, tls: .none, connectTimeoutSeconds: 5, readTimeoutSeconds: 60)
        await #expect(throws: ReplayInterrupted.self) { try await fixture.restore(options) }
        #expect(proxy.cuts == 1)
        proxy.disarm()

        let resumed = try await fixture.restore(options)
        #expect(resumed.outcome == .success, "\(resumed.folders.flatMap(\.failedMessages))")
        #expect(resumed.folders[0].alreadyPresent + resumed.folders[0].alreadyRestored == 24)
        while proxy.lateDeliveries == 0 { try await Task.sleep(for: .milliseconds(20)) }
        #expect(try await fixture.bobState().contents == alice.contents)
    }

    /// Pages of 7 messages, and lookups through the folder's header index (read once for all pages): an
    /// interrupted restore resumes with each message once, and a re-run appends nothing.
    @Test func aFolderIsReplayedAPageAtATime() async throws {
        let fixture = try await ReplayFixture.make()
        try deliverInbox(fixture.source, count: 40, cutAt: 25)
        try await fixture.backUp()
        let alice = try await fixture.alice()
        let proxy = try CuttingProxy(targetPort: fixture.destinationServer.imapPort, cutAt: "X-Cut-Here", times: 1)
        defer { proxy.stop() }
        var options = ReplayOptions()
        options.pageMessages = 7
        options.batchMessages = 5
        options.searchLookupLimit = 3
        fixture.bob.endpoint = Endpoint(
            host: proxy.host, port: proxy.port, tls: .none, connectTimeoutSeconds: 5, readTimeoutSeconds: 60)
        await #expect(throws: ReplayInterrupted.self) { try await fixture.restore(options) }
        let resumed = try await fixture.restore(options)
        #expect(resumed.outcome == .success, "\(resumed.folders.flatMap(\.failedMessages))")
        #expect(try await fixture.bobState().contents == alice.contents)
        let again = try await fixture.restore(options)
        #expect(again.appended == 0 && again.folders[0].alreadyRestored == 40)
    }

    /// A Dovecot that refuses messages over 6000 bytes (quota plugin), and says so in its capabilities when
    /// `advertised`.
    func sizeLimitedDestination(advertised: Bool) -> DovecotServer.Options {
        var options = DovecotServer.Options()
        options.settings = [
            "mail_plugins = $mail_plugins quota",
            "plugin {\n  quota = count:User quota\n  quota_vsizes = yes\n  quota_max_mail_size = 6000\n}",
        ]
        if advertised { options.settings.append("imap_capability = +APPENDLIMIT=6000") }
        return options
    }

    /// alice's INBOX: 12 messages, those at 3 and 7 (in UID order) over 6000 bytes.
    func deliverWithTwoBigOnes(_ server: DovecotServer) throws -> [CorpusMessage] {
        var generator = CorpusGenerator(seed: 41)
        let messages = (0..<12).map { generator.message(ofSize: [3, 7].contains($0) ? 9_000 : 2_000) }
        for message in messages { try server.deliver(user: "alice", folder: "INBOX", messages: [message]) }
        return messages
    }

    @Test func messagesOverTheAdvertisedAppendLimitAreSkippedAndReportedTheRestGoesOn() async throws {
        let fixture = try await ReplayFixture.make(destinationOptions: sizeLimitedDestination(advertised: true))
        let messages = try deliverWithTwoBigOnes(fixture.source)
        try await fixture.backUp()
        #expect(try await fixture.bobSession { $0.appendLimit } == 6000)
        let report = try await fixture.restore()
        #expect(report.outcome == .partial)
        #expect(report.appended == 10 && report.failedMessages == 0)
        let inbox = try #require(report.folders.first)
        #expect(inbox.tooBig.count == 2)
        #expect(inbox.tooBig.allSatisfy { $0.contains("over the destination's APPENDLIMIT of 6000 bytes") })
        #expect(inbox.tooBig.first?.hasPrefix("INBOX UID 4: \(messages[3].servedBytes.count) bytes") == true)
        // Nothing over the limit was sent: every command carried several messages and none was refused.
        #expect(report.appendCommands < 10)
        let bob = try await fixture.bobState()
        let small = Set(
            messages.enumerated().filter { ![3, 7].contains($0.offset) }.map {
                SHA256Hasher.hash($0.element.servedBytes).hex
            })
        #expect(Set(bob["INBOX"]?.values.map(\.sha256) ?? []) == small && bob["INBOX"]?.count == 10)
        // Skipped is not done: a run against a bigger limit would still append them.
        let catalog = try fixture.backup.catalog()
        #expect(try catalog.rows("SELECT COUNT(*) FROM replay_log")[0][0] == 10.databaseValue)
    }

    /// The server refuses an oversized message it did not announce a limit for: the MULTIAPPEND holding it
    /// fails whole, its messages go again one by one, and only the big one fails, with the server's reason.
    @Test func aRefusedMultiAppendIsRetriedMessageByMessage() async throws {
        let fixture = try await ReplayFixture.make(destinationOptions: sizeLimitedDestination(advertised: false))
        _ = try deliverWithTwoBigOnes(fixture.source)
        try await fixture.backUp()
        #expect(try await fixture.bobSession { $0.appendLimit } == nil)
        var options = ReplayOptions()
        options.multiAppendMessages = 4
        let report = try await fixture.restore(options)
        #expect(report.outcome == .partial)
        #expect(report.appended == 10)
        let failed = report.folders.flatMap(\.failedMessages)
        #expect(failed.count == 2)
        #expect(failed.allSatisfy { $0.contains("APPEND refused: NO") }, "\(failed)")
        // Groups 0..<4 and 4..<8 were refused and resent alone (8 commands), 8..<12 went whole.
        #expect(report.appendCommands == 2 + 8 + 1)
        #expect(try await fixture.bobState()["INBOX"]?.count == 10)
        let catalog = try fixture.backup.catalog()
        #expect(
            try catalog.rows("SELECT state, COUNT(*) FROM replay_log GROUP BY state") == [
                ["done".databaseValue, 10.databaseValue]
            ])
    }

    /// A backup that keeps only mbox: the bytes come from the mbox entries, unquoted, exactly as served.
    @Test func aRestoreFromAnMboxOnlyBackupIsByteExact() async throws {
        let fixture = try await ReplayFixture.make()
        fixture.backup.job.formats = ["mbox"]
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        let tricky = [
            "From: a@example.org\r\nSubject: quoting\r\n\r\nFrom the start\r\n>From quoted once\r\n>>From twice\r\nend",
            "From: b@example.org\r\nSubject: last line\r\n\r\nbody\r\nFrom \r\n",
            "Subject: bare LF\n\nFrom here\n>From there\n",
        ].map { CorpusMessage($0, flags: ["\\Flagged", "$Tricky"], internalDate: date) }
        try fixture.source.deliver(user: "alice", folder: "INBOX", messages: tricky)
        try loadReplayCorpus(fixture.source, extra: 20)
        try await fixture.backUp()
        let catalog = try fixture.backup.catalog()
        #expect(
            try catalog.rows("SELECT COUNT(*) FROM placements WHERE maildir_path IS NOT NULL")[0][0] == 0.databaseValue)
        let alice = try await fixture.alice()
        let report = try await fixture.restore()
        #expect(report.outcome == .success, "\(report.folders.flatMap(\.failedMessages))")
        #expect(report.appended == alice.messageCount)
        let bob = try await fixture.bobState()
        #expect(bob.contents.filter { !$0.value.isEmpty } == alice.contents.filter { !$0.value.isEmpty })
    }

    /// bob's server takes keywords of at most 12 characters: a message with a longer one is refused (inside
    /// a MULTIAPPEND, then alone), appended again without it, and the report says what was dropped.
    @Test func aKeywordTheDestinationRefusesIsDroppedForThatMessageAndReported() async throws {
        var limited = DovecotServer.Options()
        limited.settings = ["mail_max_keyword_length = 12"]
        let fixture = try await ReplayFixture.make(destinationOptions: limited)
        var generator = CorpusGenerator(seed: 51)
        var messages = (0..<8).map { _ in generator.message(ofSize: 2_000) }
        messages[2].flags = ["\\Seen", "$AVeryLongKeywordIndeed", "$Ok"]
        messages[5].flags = ["$AnotherLongKeyword"]
        messages[6].flags = ["\\Flagged", "$Short"]
        for message in messages { try fixture.source.deliver(user: "alice", folder: "INBOX", messages: [message]) }
        try await fixture.backUp()
        let report = try await fixture.restore()
        #expect(report.outcome == .success, "\(report.folders.flatMap(\.failedMessages))")
        #expect(report.appended == 8)
        let dropped = report.folders[0].keywordsDropped
        #expect(dropped.count == 2, "\(dropped)")
        #expect(dropped.first?.hasPrefix("INBOX UID 3: appended without $AVeryLongKeywordIndeed") == true, "\(dropped)")
        #expect(dropped.last?.hasPrefix("INBOX UID 6: appended without $AnotherLongKeyword") == true, "\(dropped)")
        #expect(dropped.allSatisfy { $0.contains("the server refused them: NO") })
        let bob = try #require(try await fixture.bobState()["INBOX"])
        let flags = Dictionary(bob.values.map { ($0.sha256, $0.flags) }, uniquingKeysWith: { a, _ in a })
        func served(_ index: Int) -> Set<String>? { flags[SHA256Hasher.hash(messages[index].servedBytes).hex] }
        #expect(served(2)?.isSubset(of: ["\\Seen", "$Ok"]) == true && served(2)?.contains("\\Seen") == true)
        #expect(served(5) == [])
        #expect(served(6) == ["\\Flagged", "$Short"])
        #expect(bob.count == 8)
    }

    /// A destination that refuses to CREATE a folder whose parent is missing (RFC 9051 §6.3.4 lets a server
    /// create parents itself, Dovecot does, so the server is scripted): the replay creates `A`, then `A/B`,
    /// then `A/B/C`, and appends into it.
    @Test func parentsAreCreatedFirstWhenTheServerRefusesAFolderWithoutThem() async throws {
        let fixture = try await ReplayFixture.make()
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        let messages = (0..<3).map { index in
            CorpusMessage(
                "From: a@example.org\r\nSubject: deep \(index)\r\n\r\nline one\r\nline two\r\n", internalDate: date)
        }
        try fixture.source.deliver(user: "alice", folder: "Projects", messages: messages)
        try await fixture.backUp()
        let server = try ScriptedIMAPServer(script: [
            .send("* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS NAMESPACE] ready\r\n"),
            .respond(ParentRefusingServer().answer),
        ])
        defer { server.stop() }
        fixture.bob.endpoint = Endpoint(
            host: server.host, port: server.port, tls: .none, connectTimeoutSeconds: 5, readTimeoutSeconds: 30)
        var options = ReplayOptions()
        options.mapping.rules = [FolderMapRule(.exact("Projects"), to: "A/B/C")]
        options.mapping.include = ["Projects"]
        let report = try await fixture.restore(options)
        #expect(report.outcome == .success, "\(report.folders.compactMap(\.error))")
        #expect(report.appended == 3)
        let creates = server.transcripts.flatMap { $0 }.compactMap { line -> String? in
            let words = line.split(separator: " ")
            return words.count == 3 && words[1] == "CREATE" ? String(words[2]) : nil
        }
        #expect(creates == ["A/B/C", "A", "A/B", "A/B/C"])
        let appends = server.transcripts.flatMap { $0 }.filter {
            $0.split(separator: " ").dropFirst().first == "APPEND"
        }
        #expect(appends.count == 3 && appends.allSatisfy { $0.contains("APPEND A/B/C") })
    }
    /// A server with bare APPENDLIMIT gives each folder's limit in STATUS: a message over it is skipped and
    /// reported, the others are appended (no Dovecot offers the per-folder form, so the server is scripted).
    @Test func aFoldersStatusAppendLimitIsRespected() async throws {
        let fixture = try await ReplayFixture.make()
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        let bodies = ["short\r\n", String(repeating: "a long line of text\r\n", count: 30), "short too\r\n"]
        let messages = bodies.enumerated().map { index, body in
            CorpusMessage("From: a@example.org\r\nSubject: size \(index)\r\n\r\n\(body)", internalDate: date)
        }
        for message in messages { try fixture.source.deliver(user: "alice", folder: "INBOX", messages: [message]) }
        try await fixture.backUp()
        let server = try ScriptedIMAPServer(script: [
            .send("* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS APPENDLIMIT] ready\r\n"),
            .respond(ParentRefusingServer(appendLimit: 300).answer),
        ])
        defer { server.stop() }
        fixture.bob.endpoint = Endpoint(
            host: server.host, port: server.port, tls: .none, connectTimeoutSeconds: 5, readTimeoutSeconds: 30)
        let report = try await fixture.restore()
        #expect(report.outcome == .partial)
        #expect(report.appended == 2)
        #expect(
            report.folders.first?.tooBig
                == [
                    "INBOX UID 2: \(messages[1].bytes.count) bytes, over the destination's APPENDLIMIT of 300 bytes: "
                        + "not appended"
                ])
        let lines = server.transcripts.flatMap { $0 }
        #expect(lines.contains { $0.contains("STATUS INBOX (UIDVALIDITY MESSAGES APPENDLIMIT)") }, "\(lines)")
    }

}

/// Just enough of an IMAP server for a replay into a `/` account that holds INBOX: CREATE is refused while
/// the parent is missing; APPEND takes LITERAL+ messages with CRLF line ends; STATUS tells `appendLimit`
/// as the folder's APPENDLIMIT (RFC 7889 §4) when given.
final class ParentRefusingServer: @unchecked Sendable {
    struct State {
        var folders: Set<String> = ["INBOX"]
        var literalLeft = 0
        var appendTag: String?
        var uid = 0
    }
    private let lock = NSLock()
    private var state = State()
    let appendLimit: Int?

    init(appendLimit: Int? = nil) {
        self.appendLimit = appendLimit
    }

    func answer(_ line: String) -> [UInt8]? {
        let reply: String? = lock.withLock { () -> String? in
            if state.literalLeft > 0 {
                state.literalLeft -= line.utf8.count + 2
                return ""
            }
            if let tag = state.appendTag {
                state.appendTag = nil
                state.uid += 1
                return "\(tag) OK [APPENDUID 7 \(state.uid)] stored\r\n"
            }
            let words = line.split(separator: " ").map(String.init)
            guard words.count >= 2 else { return "* BAD what\r\n" }
            let (tag, command) = (words[0], words[1].uppercased())
            switch command {
            case "LIST":
                return state.folders.sorted().map { "* LIST () \"/\" \($0)\r\n" }.joined() + "\(tag) OK listed\r\n"
            case "NAMESPACE":
                return "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n\(tag) OK\r\n"
            case "CREATE":
                let name = words[2]
                let parent = name.split(separator: "/").dropLast().joined(separator: "/")
                guard parent.isEmpty || state.folders.contains(parent) else {
                    return "\(tag) NO [NONEXISTENT] \(parent) does not exist\r\n"
                }
                state.folders.insert(name)
                return "\(tag) OK created\r\n"
            case "STATUS":
                let limit = appendLimit.map { " APPENDLIMIT \($0)" } ?? ""
                return "* STATUS \(words[2]) (UIDVALIDITY 7 MESSAGES \(state.uid)\(limit))\r\n\(tag) OK\r\n"
            case "APPEND":
                guard let open = line.lastIndex(of: "{"),
                    let size = Int(line[line.index(after: open)...].prefix { $0.isNumber })
                else { return "\(tag) BAD no literal\r\n" }
                state.literalLeft = size
                state.appendTag = tag
                return ""
            case "LOGOUT":
                return "* BYE\r\n\(tag) OK\r\n"
            default:
                return "\(tag) OK done\r\n"
            }
        }
        return reply.map { Array($0.utf8) }
    }
}
