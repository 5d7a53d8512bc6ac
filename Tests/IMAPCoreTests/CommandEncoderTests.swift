import IMAPCore
import NIOCore
import Testing

/// Parts as readable text: bytes as they are, each continuation wait as `<+>`.
func render(_ parts: [CommandPart]) -> String {
    parts.map { part in
        switch part {
        case .bytes(let buffer): String(buffer: buffer)
        case .awaitContinuation: "<+>"
        }
    }.joined()
}

struct EncoderCase: Sendable, CustomTestStringConvertible {
    var command: Command
    var encoder = CommandEncoder()
    var wire: String
    var testDescription: String { wire }
}

@Suite struct CommandEncoderTests {
    static let date = InternalDate(year: 1996, month: 7, day: 17, hour: 2, minute: 44, second: 25, zoneMinutes: -420)
    static let plus = CommandEncoder(literalPlus: true)
    static let minus = CommandEncoder(literalMinus: true)
    static let utf8 = CommandEncoder(utf8Accept: true)

    static let cases: [EncoderCase] = [
        EncoderCase(command: .capability, wire: "A1 CAPABILITY\r\n"),
        EncoderCase(command: .noop, wire: "A1 NOOP\r\n"),
        EncoderCase(command: .logout, wire: "A1 LOGOUT\r\n"),
        EncoderCase(command: .starttls, wire: "A1 STARTTLS\r\n"),
        EncoderCase(command: .namespace, wire: "A1 NAMESPACE\r\n"),
        EncoderCase(command: .expunge, wire: "A1 EXPUNGE\r\n"),
        EncoderCase(command: .close, wire: "A1 CLOSE\r\n"),
        EncoderCase(command: .unselect, wire: "A1 UNSELECT\r\n"),
        EncoderCase(command: .idle, wire: "A1 IDLE\r\n"),
        EncoderCase(command: .login(user: "alice", password: "s3cret"), wire: "A1 LOGIN alice s3cret\r\n"),
        EncoderCase(
            command: .login(user: "alice@example.com", password: "pa ss\"\\"),
            wire: "A1 LOGIN alice@example.com \"pa ss\\\"\\\\\"\r\n"),
        EncoderCase(command: .login(user: "", password: "x]y"), wire: "A1 LOGIN \"\" x]y\r\n"),
        EncoderCase(command: .login(user: "bob", password: "pässword"), wire: "A1 LOGIN bob {9}\r\n<+>pässword\r\n"),
        EncoderCase(
            command: .login(user: "bob", password: "pässword"), encoder: utf8, wire: "A1 LOGIN bob \"pässword\"\r\n"),
        EncoderCase(
            command: .login(user: "bob", password: "a\r\nb"), encoder: utf8, wire: "A1 LOGIN bob {4}\r\n<+>a\r\nb\r\n"),
        EncoderCase(
            command: .login(user: "bob", password: "a\u{0}b"), encoder: utf8, wire: "A1 LOGIN bob {3}\r\n<+>a\u{0}b\r\n"
        ),
        EncoderCase(
            command: .login(user: "bob", password: "a\nb"), encoder: plus, wire: "A1 LOGIN bob {3+}\r\na\nb\r\n"),
        EncoderCase(
            command: .login(user: "bob", password: "a\nb"), encoder: minus, wire: "A1 LOGIN bob {3+}\r\na\nb\r\n"),
        EncoderCase(
            command: .login(user: "b\nb", password: "a\nb"),
            wire: "A1 LOGIN {3}\r\n<+>b\nb {3}\r\n<+>a\nb\r\n"),
        EncoderCase(
            command: .authenticate(mechanism: "PLAIN", initialResponse: "AGFsaWNlAHMzY3JldA=="),
            wire: "A1 AUTHENTICATE PLAIN AGFsaWNlAHMzY3JldA==\r\n"),
        EncoderCase(
            command: .authenticate(mechanism: "XOAUTH2", initialResponse: nil), wire: "A1 AUTHENTICATE XOAUTH2\r\n"),
        EncoderCase(
            command: .authenticate(mechanism: "EXTERNAL", initialResponse: ""), wire: "A1 AUTHENTICATE EXTERNAL =\r\n"),
        EncoderCase(command: .id([]), wire: "A1 ID NIL\r\n"),
        EncoderCase(
            command: .id([("name", "mailferry"), ("version", "0.1")]),
            wire: "A1 ID (\"name\" \"mailferry\" \"version\" \"0.1\")\r\n"),
        EncoderCase(command: .enable(["CONDSTORE", "QRESYNC"]), wire: "A1 ENABLE CONDSTORE QRESYNC\r\n"),
        EncoderCase(
            command: .list(
                reference: MailboxName(bytes: []), pattern: MailboxName("*"), returning: ListReturnOptions()),
            wire: "A1 LIST \"\" \"*\"\r\n"),
        EncoderCase(
            command: .list(
                reference: MailboxName(bytes: []), pattern: MailboxName("*"),
                returning: ListReturnOptions(specialUse: true, status: [.messages, .uidValidity])),
            wire: "A1 LIST \"\" \"*\" RETURN (SPECIAL-USE STATUS (MESSAGES UIDVALIDITY))\r\n"),
        EncoderCase(
            command: .list(
                reference: MailboxName("INBOX."), pattern: MailboxName("%"),
                returning: ListReturnOptions(subscribed: true, children: true)),
            wire: "A1 LIST INBOX. \"%\" RETURN (SUBSCRIBED CHILDREN)\r\n"),
        EncoderCase(
            command: .list(
                reference: MailboxName(bytes: []), pattern: MailboxName("*"),
                returning: ListReturnOptions(status: [.highestModSeq])),
            wire: "A1 LIST \"\" \"*\" RETURN (STATUS (HIGHESTMODSEQ))\r\n"),
        EncoderCase(
            command: .status(.inbox, [.messages, .uidNext, .uidValidity, .unseen, .size, .highestModSeq, .recent]),
            wire: "A1 STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN SIZE HIGHESTMODSEQ RECENT)\r\n"),
        EncoderCase(
            command: .examine(MailboxName("Sent Items"), condstore: true),
            wire: "A1 EXAMINE \"Sent Items\" (CONDSTORE)\r\n"),
        EncoderCase(command: .examine(.inbox, condstore: false), wire: "A1 EXAMINE INBOX\r\n"),
        EncoderCase(command: .select(MailboxName("Entwürfe"), condstore: false), wire: "A1 SELECT Entw&APw-rfe\r\n"),
        EncoderCase(
            command: .select(MailboxName("[Gmail]/All Mail"), condstore: true),
            wire: "A1 SELECT \"[Gmail]/All Mail\" (CONDSTORE)\r\n"),
        EncoderCase(command: .create(MailboxName("Archives/2024")), wire: "A1 CREATE Archives/2024\r\n"),
        EncoderCase(
            command: .create(MailboxName(bytes: Array("Entwürfe".utf8))), wire: "A1 CREATE {9}\r\n<+>Entwürfe\r\n"),
        EncoderCase(
            command: .create(MailboxName(bytes: Array("Entwürfe".utf8))), encoder: utf8,
            wire: "A1 CREATE \"Entwürfe\"\r\n"),
        EncoderCase(command: .delete(MailboxName("Old")), wire: "A1 DELETE Old\r\n"),
        EncoderCase(command: .subscribe(MailboxName("a\"b")), wire: "A1 SUBSCRIBE \"a\\\"b\"\r\n"),
        EncoderCase(command: .uidSearch("UID 100:*"), wire: "A1 UID SEARCH UID 100:*\r\n"),
        EncoderCase(
            command: .uidFetch(
                .all, [.uid, .flags, .internalDate, .rfc822Size, .bodyPeek(section: "", partial: nil)], changedSince: 12
            ),
            wire: "A1 UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[]) (CHANGEDSINCE 12)\r\n"),
        EncoderCase(
            command: .uidFetch(
                SequenceSet([1...5, 9...9]),
                [.modSeq, .bodyPeek(section: "HEADER", partial: 0...1023), .raw("X-GM-LABELS")], changedSince: nil),
            wire: "A1 UID FETCH 1:5,9 (MODSEQ BODY.PEEK[HEADER]<0.1024> X-GM-LABELS)\r\n"),
        EncoderCase(command: .uidFetch(.all, [.flags], changedSince: nil), wire: "A1 UID FETCH 1:* (FLAGS)\r\n"),
        EncoderCase(
            command: .uidStore(SequenceSet(4...4), operation: "+FLAGS.SILENT", flags: [.seen, Flag("$Forwarded")]),
            wire: "A1 UID STORE 4 +FLAGS.SILENT (\\Seen $Forwarded)\r\n"),
        EncoderCase(
            command: .append(.inbox, flags: [.seen], date: date, size: 310),
            wire: "A1 APPEND INBOX (\\Seen) \"17-Jul-1996 02:44:25 -0700\" {310}\r\n<+>"),
        EncoderCase(
            command: .append(MailboxName("Sent Items"), flags: [], date: nil, size: 5), encoder: plus,
            wire: "A1 APPEND \"Sent Items\" {5+}\r\n"),
        EncoderCase(
            command: .append(.inbox, flags: [], date: nil, size: 4096), encoder: minus,
            wire: "A1 APPEND INBOX {4096+}\r\n"),
        EncoderCase(
            command: .append(.inbox, flags: [], date: nil, size: 4097), encoder: minus,
            wire: "A1 APPEND INBOX {4097}\r\n<+>"),
    ]

    @Test(arguments: cases)
    func encodes(_ testCase: EncoderCase) {
        #expect(render(testCase.encoder.encode(testCase.command, tag: Tag("A1"))) == testCase.wire)
    }

    @Test func synchronizingLiteralSplitsBeforeTheLiteralBytes() {
        let parts = CommandEncoder().encode(.login(user: "bob", password: "ä"), tag: Tag("T7"))
        #expect(parts.count == 3)
        guard parts.count == 3, case .bytes(let head) = parts[0], case .awaitContinuation = parts[1],
            case .bytes(let tail) = parts[2]
        else { return }
        #expect(String(buffer: head) == "T7 LOGIN bob {2}\r\n")
        #expect(Array(tail.readableBytesView) == [0xC3, 0xA4, 0x0D, 0x0A])
    }

    @Test func multiAppendMessagesFollowTheFirstLiteral() {
        let date = InternalDate("17-Jul-1996 02:44:25 -0700")
        let plus = CommandEncoder(literalPlus: true)
        #expect(
            render(plus.encodeAppendMessage(flags: [.seen, Flag("$Work")], date: date, size: 12))
                == " (\\Seen $Work) \"17-Jul-1996 02:44:25 -0700\" {12+}\r\n")
        #expect(render(CommandEncoder().encodeAppendMessage(flags: [], date: nil, size: 3)) == " {3}\r\n<+>")
    }

    @Test func mailboxNamesAreWrittenFromRawBytes() {
        // Invalid modified UTF-7 from a server goes back byte for byte.
        let raw = MailboxName(bytes: Array("&Jjo!".utf8))
        #expect(
            render(CommandEncoder().encode(.examine(raw, condstore: false), tag: Tag("A1"))) == "A1 EXAMINE &Jjo!\r\n")
    }

    @Test func idleDone() {
        #expect(String(buffer: CommandEncoder.idleDone) == "DONE\r\n")
    }
}
