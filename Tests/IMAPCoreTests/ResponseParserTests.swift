import IMAPCore
import NIOCore
import Testing

/// Single responses → events, from RFC 9051 / RFC 3501 examples, extension RFCs, and the lenient
/// forms real servers send.
@Suite struct ResponseParserTests {
    static let conditions: [Transcript] = [
        Transcript(name: "greeting", text: "* OK IMAP4rev2 Service Ready\n", events: [ok("IMAP4rev2 Service Ready")]),
        Transcript(
            name: "greeting with capability code",
            text: "* OK [CAPABILITY IMAP4rev1 SASL-IR LITERAL+ AUTH=PLAIN] Dovecot ready.\n",
            events: [ok("Dovecot ready.", .capability(["IMAP4rev1", "SASL-IR", "LITERAL+", "AUTH=PLAIN"]))]),
        Transcript(
            name: "code with no text after it", text: "* OK [CAPABILITY IMAP4rev1 IDLE]\n",
            events: [ok("", .capability(["IMAP4rev1", "IDLE"]))]),
        Transcript(
            name: "preauth", text: "* PREAUTH IMAP4rev1 server logged in as Smith\n",
            events: [
                .untagged(.condition(.preauth, ResponseText(code: nil, text: "IMAP4rev1 server logged in as Smith")))
            ]),
        Transcript(
            name: "bye", text: "* BYE Connection closed\n",
            events: [.untagged(.condition(.bye, ResponseText(code: nil, text: "Connection closed")))]),
        Transcript(
            name: "lowercase status", text: "* ok [alert] System shutdown in 10 minutes\n",
            events: [ok("System shutdown in 10 minutes", .alert)]),
        Transcript(name: "no text at all", text: "* OK\n", events: [ok("")]),
        Transcript(
            name: "no space after code", text: "* NO [TRYCREATE]No such mailbox\n",
            events: [.untagged(.condition(.no, ResponseText(code: .tryCreate, text: "No such mailbox")))]),
        Transcript(
            name: "unmatched bracket is text", text: "* OK [ALERT no close\n", events: [ok("[ALERT no close")]),
        Transcript(
            name: "brackets at the end are text (Exchange)",
            text: "* OK The Microsoft Exchange IMAP4 service is ready. [TQBOADIA]\n",
            events: [ok("The Microsoft Exchange IMAP4 service is ready. [TQBOADIA]")]),
        Transcript(
            name: "trailing literal-like text is text", text: "* NO message too big {5}\n",
            events: [.untagged(.condition(.no, ResponseText(code: nil, text: "message too big {5}")))]),
        Transcript(name: "tagged", text: "a001 OK LOGIN completed\n", events: [tagged("a001", "LOGIN completed")]),
        Transcript(name: "tagged without text", text: "A1 OK\n", events: [tagged("A1", "")]),
        Transcript(
            name: "tagged lowercase", text: "a2 no [AUTHENTICATIONFAILED] bad\n",
            events: [tagged("a2", .no, "bad", .other(name: "AUTHENTICATIONFAILED", argument: nil))]),
        Transcript(
            name: "tagged bad", text: "A3 BAD Command unknown\n", events: [tagged("A3", .bad, "Command unknown")]),
        Transcript(
            name: "continuation", text: "+ Ready for additional command text\n",
            events: [.continuation("Ready for additional command text")]),
        Transcript(name: "empty continuation", text: "+ \n", events: [.continuation("")]),
        Transcript(name: "continuation without space", text: "+\n", events: [.continuation("")]),
        Transcript(
            name: "SASL challenge", text: "+ YGgGCSqGSIb3EgECAgIBAAD/////6jcyG4GE3KkTzBeBiVHeceP7Q==\n",
            events: [.continuation("YGgGCSqGSIb3EgECAgIBAAD/////6jcyG4GE3KkTzBeBiVHeceP7Q==")]),
    ]

    static let codes: [Transcript] = [
        Transcript(
            name: "UIDVALIDITY", text: "* OK [UIDVALIDITY 3857529045] UIDs valid\n",
            events: [ok("UIDs valid", .uidValidity(3_857_529_045))]),
        Transcript(
            name: "UIDNEXT", text: "* OK [UIDNEXT 4392] Predicted next UID\n",
            events: [ok("Predicted next UID", .uidNext(4392))]),
        Transcript(
            name: "UNSEEN", text: "* OK [UNSEEN 17] Message 17 is the first unseen message\n",
            events: [ok("Message 17 is the first unseen message", .unseen(17))]),
        Transcript(
            name: "PERMANENTFLAGS with \\*",
            text: "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\n",
            events: [ok("Limited", .permanentFlags([.deleted, .seen, Flag("\\*")]))]),
        Transcript(
            name: "PERMANENTFLAGS empty", text: "* OK [PERMANENTFLAGS ()] No permanent flags permitted\n",
            events: [ok("No permanent flags permitted", .permanentFlags([]))]),
        Transcript(
            name: "READ-ONLY", text: "A2 OK [READ-ONLY] EXAMINE completed\n",
            events: [tagged("A2", "EXAMINE completed", .readOnly)]),
        Transcript(
            name: "READ-WRITE", text: "A2 OK [READ-WRITE] SELECT completed\n",
            events: [tagged("A2", "SELECT completed", .readWrite)]),
        Transcript(
            name: "PARSE", text: "* NO [PARSE] bad header\n",
            events: [.untagged(.condition(.no, ResponseText(code: .parse, text: "bad header")))]),
        Transcript(
            name: "HIGHESTMODSEQ", text: "* OK [HIGHESTMODSEQ 715194045007] Highest\n",
            events: [ok("Highest", .highestModSeq(715_194_045_007))]),
        Transcript(
            name: "NOMODSEQ", text: "* OK [NOMODSEQ] Sorry, this mailbox format doesn't support modsequences\n",
            events: [ok("Sorry, this mailbox format doesn't support modsequences", .noModSeq)]),
        Transcript(
            name: "CLOSED", text: "* OK [CLOSED] Previous mailbox closed.\n",
            events: [ok("Previous mailbox closed.", .closed)]),
        Transcript(
            name: "APPENDUID", text: "A003 OK [APPENDUID 38505 3955] APPEND completed\n",
            events: [tagged("A003", "APPEND completed", .appendUID(uidValidity: 38505, uids: SequenceSet(3955...3955)))]
        ),
        Transcript(
            name: "APPENDUID multi", text: "A003 OK [APPENDUID 38505 3955:3957,3960] done\n",
            events: [
                tagged("A003", "done", .appendUID(uidValidity: 38505, uids: SequenceSet([3955...3957, 3960...3960])))
            ]),
        Transcript(
            name: "COPYUID", text: "A004 OK [COPYUID 38505 304,319:320 3956:3958] Done\n",
            events: [
                tagged(
                    "A004", "Done",
                    .copyUID(
                        uidValidity: 38505, source: SequenceSet([304...304, 319...320]),
                        destination: SequenceSet(3956...3958)))
            ]),
        Transcript(
            name: "unknown code with argument", text: "* OK [URLMECH INTERNAL] Ok\n",
            events: [ok("Ok", .other(name: "URLMECH", argument: "INTERNAL"))]),
        Transcript(
            name: "unknown code lowercase", text: "* NO [overquota] Quota exceeded\n",
            events: [
                .untagged(
                    .condition(
                        .no, ResponseText(code: .other(name: "OVERQUOTA", argument: nil), text: "Quota exceeded")))
            ]),
        Transcript(
            name: "known code with bad argument", text: "* OK [UIDNEXT abc] odd\n",
            events: [ok("odd", .other(name: "UIDNEXT", argument: "abc"))]),
        Transcript(
            name: "known code with huge argument", text: "* OK [UIDNEXT 99999999999] odd\n",
            events: [ok("odd", .other(name: "UIDNEXT", argument: "99999999999"))]),
        Transcript(
            name: "BADCHARSET list", text: "A5 NO [BADCHARSET (UTF-8 US-ASCII)] charset\n",
            events: [tagged("A5", .no, "charset", .other(name: "BADCHARSET", argument: "(UTF-8 US-ASCII)"))]),
    ]

    static let mailboxData: [Transcript] = [
        Transcript(
            name: "CAPABILITY", text: "* CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI LOGINDISABLED\n",
            events: [.untagged(.capability(["IMAP4rev1", "STARTTLS", "AUTH=GSSAPI", "LOGINDISABLED"]))]),
        Transcript(
            name: "CAPABILITY trailing space", text: "* CAPABILITY IMAP4rev1 IDLE \n",
            events: [.untagged(.capability(["IMAP4rev1", "IDLE"]))]),
        Transcript(
            name: "ENABLED", text: "* ENABLED CONDSTORE QRESYNC\n",
            events: [.untagged(.enabled(["CONDSTORE", "QRESYNC"]))]),
        Transcript(name: "ENABLED nothing", text: "* ENABLED\n", events: [.untagged(.enabled([]))]),
        Transcript(name: "EXISTS", text: "* 23 EXISTS\n", events: [.untagged(.exists(23))]),
        Transcript(name: "RECENT", text: "* 5 RECENT\n", events: [.untagged(.recent(5))]),
        Transcript(name: "EXPUNGE", text: "* 44 EXPUNGE\n", events: [.untagged(.expunge(44))]),
        Transcript(
            name: "FLAGS", text: "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\n",
            events: [.untagged(.flags([.answered, .flagged, .deleted, .seen, .draft]))]),
        Transcript(
            name: "FLAGS with keywords", text: "* FLAGS (\\Seen $Forwarded NonJunk $label1)\n",
            events: [.untagged(.flags([.seen, Flag("$Forwarded"), Flag("NonJunk"), Flag("$label1")]))]),
        Transcript(
            name: "LIST", text: "* LIST (\\Noselect) \"/\" ~/Mail/foo\n",
            events: [
                .untagged(
                    .list(
                        ListResponse(
                            attributes: ["\\Noselect"], delimiter: UInt8(ascii: "/"), mailbox: mailbox("~/Mail/foo"))))
            ]),
        Transcript(
            name: "LIST NIL delimiter", text: "* LIST () NIL INBOX\n",
            events: [.untagged(.list(ListResponse(attributes: [], delimiter: nil, mailbox: .inbox)))]),
        Transcript(
            name: "LIST empty-string delimiter", text: "* LIST () \"\" Flat\n",
            events: [.untagged(.list(ListResponse(attributes: [], delimiter: nil, mailbox: mailbox("Flat"))))]),
        Transcript(
            name: "LIST backslash delimiter", text: "* LIST (\\HasNoChildren) \"\\\\\" \"Public Folders\\\\Team\"\n",
            events: [
                .untagged(
                    .list(
                        ListResponse(
                            attributes: ["\\HasNoChildren"], delimiter: UInt8(ascii: "\\"),
                            mailbox: mailbox("Public Folders\\Team"))))
            ]),
        Transcript(
            name: "LIST quoted with escapes", text: "* LIST () \".\" \"a \\\"b\\\"\"\n",
            events: [
                .untagged(
                    .list(ListResponse(attributes: [], delimiter: UInt8(ascii: "."), mailbox: mailbox("a \"b\""))))
            ]),
        Transcript(
            name: "LIST literal mailbox", text: "* LIST () \"/\" {?}\n<<odd\nname>>\n",
            events: [
                .untagged(
                    .list(ListResponse(attributes: [], delimiter: UInt8(ascii: "/"), mailbox: mailbox("odd\r\nname"))))
            ]),
        Transcript(
            name: "LIST modified UTF-7 kept raw", text: "* LIST () \"/\" ~peter/mail/&U,BTFw-/&ZeVnLIqe-\n",
            events: [
                .untagged(
                    .list(
                        ListResponse(
                            attributes: [], delimiter: UInt8(ascii: "/"),
                            mailbox: mailbox("~peter/mail/&U,BTFw-/&ZeVnLIqe-"))))
            ]),
        Transcript(
            name: "LIST special-use", text: "* LIST (\\Sent \\HasNoChildren) \"/\" \"[Gmail]/Sent Mail\"\n",
            events: [
                .untagged(
                    .list(
                        ListResponse(
                            attributes: ["\\Sent", "\\HasNoChildren"], delimiter: UInt8(ascii: "/"),
                            mailbox: mailbox("[Gmail]/Sent Mail"))))
            ]),
        Transcript(
            name: "LIST CHILDINFO", text: "* LIST () \"/\" \"Foo\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\n",
            events: [
                .untagged(
                    .list(
                        ListResponse(
                            attributes: [], delimiter: UInt8(ascii: "/"), mailbox: mailbox("Foo"),
                            extended: ["CHILDINFO": "(\"SUBSCRIBED\")"])))
            ]),
        Transcript(
            name: "LIST OLDNAME", text: "* LIST () \"/\" \"NewName\" (\"OLDNAME\" (\"OldName\"))\n",
            events: [
                .untagged(
                    .list(
                        ListResponse(
                            attributes: [], delimiter: UInt8(ascii: "/"), mailbox: mailbox("NewName"),
                            extended: ["OLDNAME": "(\"OldName\")"])))
            ]),
        Transcript(
            name: "LSUB", text: "* LSUB () \".\" #news.comp.mail.misc\n",
            events: [
                .untagged(
                    .lsub(
                        ListResponse(
                            attributes: [], delimiter: UInt8(ascii: "."), mailbox: mailbox("#news.comp.mail.misc"))))
            ]),
        Transcript(
            name: "STATUS", text: "* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\n",
            events: [.untagged(.status(mailbox("blurdybloop"), ["MESSAGES": 231, "UIDNEXT": 44292]))]),
        Transcript(
            name: "STATUS quoted with HIGHESTMODSEQ",
            text: "* STATUS \"Sent Items\" (uidvalidity 7 HIGHESTMODSEQ 90000000000)  \n",
            events: [.untagged(.status(mailbox("Sent Items"), ["UIDVALIDITY": 7, "HIGHESTMODSEQ": 90_000_000_000]))]),
        Transcript(
            name: "STATUS APPENDLIMIT", text: "* STATUS INBOX (APPENDLIMIT 5000 MESSAGES 2)\n",
            events: [.untagged(.status(mailbox("INBOX"), ["APPENDLIMIT": 5000, "MESSAGES": 2]))]),
        Transcript(
            name: "STATUS APPENDLIMIT NIL", text: "* STATUS Big (APPENDLIMIT NIL)\n",
            events: [.untagged(.status(mailbox("Big"), [:]))]),
        Transcript(name: "STATUS empty", text: "* STATUS INBOX ()\n", events: [.untagged(.status(.inbox, [:]))]),
        Transcript(
            name: "SEARCH", text: "* SEARCH 2 84 882\n", events: [.untagged(.search([2, 84, 882], modSeq: nil))]),
        Transcript(name: "SEARCH empty", text: "* SEARCH\n", events: [.untagged(.search([], modSeq: nil))]),
        Transcript(
            name: "SEARCH trailing space", text: "* SEARCH 1 2 \n", events: [.untagged(.search([1, 2], modSeq: nil))]),
        Transcript(
            name: "SEARCH MODSEQ", text: "* SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500)\n",
            events: [.untagged(.search([2, 5, 6, 7, 11, 12, 18, 19, 20, 23], modSeq: 917_162_500))]),
        Transcript(
            name: "ESEARCH", text: "* ESEARCH (TAG \"A285\") UID MIN 7 MAX 3800\n",
            events: [.untagged(.esearch(tag: Tag("A285"), uid: true, all: nil, count: nil, min: 7, max: 3800))]),
        Transcript(
            name: "ESEARCH ALL COUNT", text: "* ESEARCH (TAG \"A283\") ALL 2,10:11 COUNT 3\n",
            events: [
                .untagged(
                    .esearch(
                        tag: Tag("A283"), uid: false, all: SequenceSet([2...2, 10...11]), count: 3, min: nil, max: nil))
            ]),
        Transcript(
            name: "ESEARCH empty", text: "* ESEARCH (TAG \"A284\")\n",
            events: [.untagged(.esearch(tag: Tag("A284"), uid: false, all: nil, count: nil, min: nil, max: nil))]),
        Transcript(
            name: "ESEARCH extension data", text: "* ESEARCH UID COUNT 5 MODSEQ 1234 PARTIAL (1:10 1,3)\n",
            events: [.untagged(.esearch(tag: nil, uid: true, all: nil, count: 5, min: nil, max: nil))]),
        Transcript(
            name: "NAMESPACE",
            text: "* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) ((\"#shared/\" \"/\")(\"#public/\" \"/\"))\n",
            events: [
                .untagged(
                    .namespace(
                        NamespaceResponse(
                            personal: [Namespace(prefix: mailbox(""), delimiter: UInt8(ascii: "/"))],
                            otherUsers: [Namespace(prefix: mailbox("~"), delimiter: UInt8(ascii: "/"))],
                            shared: [
                                Namespace(prefix: mailbox("#shared/"), delimiter: UInt8(ascii: "/")),
                                Namespace(prefix: mailbox("#public/"), delimiter: UInt8(ascii: "/")),
                            ])))
            ]),
        Transcript(
            name: "NAMESPACE NIL", text: "* NAMESPACE ((\"INBOX.\" \".\")) NIL NIL\n",
            events: [
                .untagged(
                    .namespace(
                        NamespaceResponse(
                            personal: [Namespace(prefix: mailbox("INBOX."), delimiter: UInt8(ascii: "."))],
                            otherUsers: [], shared: [])))
            ]),
        Transcript(
            name: "NAMESPACE extension", text: "* NAMESPACE ((\"\" \"/\" \"X-PARAM\" (\"FLAG1\" \"FLAG2\"))) NIL NIL\n",
            events: [
                .untagged(
                    .namespace(
                        NamespaceResponse(
                            personal: [Namespace(prefix: mailbox(""), delimiter: UInt8(ascii: "/"))], otherUsers: [],
                            shared: [])))
            ]),
        Transcript(
            name: "ID", text: "* ID (\"name\" \"Cyrus\" \"version\" \"1.5\" \"os\" NIL)\n",
            events: [.untagged(.id(["name": "Cyrus", "version": "1.5", "os": String?.none]))]),
        Transcript(name: "ID NIL", text: "* ID NIL\n", events: [.untagged(.id(nil))]),
        Transcript(name: "ID empty list", text: "* ID ()\n", events: [.untagged(.id([:]))]),
        Transcript(
            name: "VANISHED", text: "* VANISHED 405,407,410,425\n",
            events: [.untagged(.vanished(earlier: false, SequenceSet([405...405, 407...407, 410...410, 425...425])))]),
        Transcript(
            name: "VANISHED EARLIER", text: "* VANISHED (EARLIER) 41,43:116,118,120:211,214:540\n",
            events: [
                .untagged(.vanished(earlier: true, SequenceSet([41...41, 43...116, 118...118, 120...211, 214...540])))
            ]),
        Transcript(
            name: "unknown untagged", text: "* QUOTA \"\" (STORAGE 10 512)\n",
            events: [.untagged(.unknown(keyword: "QUOTA", line: "* QUOTA \"\" (STORAGE 10 512)"))]),
        Transcript(
            name: "unknown numbered", text: "* 3 XTHING foo\n",
            events: [.untagged(.unknown(keyword: "XTHING", line: "* 3 XTHING foo"))]),
        Transcript(
            name: "unknown with literal", text: "* METADATA INBOX (/private/comment {?}\n<<My\ncomment>>)\n",
            events: [
                .untagged(
                    .unknown(keyword: "METADATA", line: "* METADATA INBOX (/private/comment {11}\r\nMy\r\ncomment)"))
            ]),
        Transcript(
            name: "XLIST is unknown", text: "* XLIST (\\HasNoChildren \\Inbox) \"/\" \"Inbox\"\n",
            events: [.untagged(.unknown(keyword: "XLIST", line: "* XLIST (\\HasNoChildren \\Inbox) \"/\" \"Inbox\""))]),
    ]

    static let fetches: [Transcript] = [
        Transcript(
            name: "FETCH flags", text: "* 12 FETCH (FLAGS (\\Seen))\n",
            events: fetch(12, [.fetchAttribute(.flags([.seen]))])),
        Transcript(
            name: "FETCH RFC example",
            text:
                "* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 4286 UID 99 MODSEQ (624140003))\n",
            events: fetch(
                12,
                [
                    .fetchAttribute(.flags([.seen])),
                    .fetchAttribute(
                        .internalDate(
                            InternalDate(
                                year: 1996, month: 7, day: 17, hour: 2, minute: 44, second: 25, zoneMinutes: -420))),
                    .fetchAttribute(.rfc822Size(4286)), .fetchAttribute(.uid(99)),
                    .fetchAttribute(.modSeq(624_140_003)),
                ])),
        Transcript(
            name: "INTERNALDATE padded day", text: "* 1 FETCH (INTERNALDATE \" 7-Jul-2024 23:59:60 +0530\")\n",
            events: fetch(
                1,
                [
                    .fetchAttribute(
                        .internalDate(
                            InternalDate(
                                year: 2024, month: 7, day: 7, hour: 23, minute: 59, second: 60, zoneMinutes: 330)))
                ])),
        Transcript(
            name: "INTERNALDATE unpadded day", text: "* 1 FETCH (INTERNALDATE \"7-jul-2024 01:02:03 -0000\")\n",
            events: fetch(
                1,
                [
                    .fetchAttribute(
                        .internalDate(
                            InternalDate(year: 2024, month: 7, day: 7, hour: 1, minute: 2, second: 3, zoneMinutes: 0)))
                ])),
        Transcript(
            name: "INTERNALDATE unreadable kept raw", text: "* 1 FETCH (INTERNALDATE \"yesterday\")\n",
            events: fetch(1, [.fetchAttribute(.other(name: "INTERNALDATE", value: "\"yesterday\""))])),
        Transcript(
            name: "BODY[] literal", text: "* 1 FETCH (BODY[] {?}\n<<hello>>)\n",
            events: fetch(1, body("", "hello"))),
        Transcript(
            name: "attributes after the body", text: "* 1 FETCH (BODY[] {?}\n<<hello>> UID 7 FLAGS (\\Seen))\n",
            events: fetch(1, body("", "hello") + [.fetchAttribute(.uid(7)), .fetchAttribute(.flags([.seen]))])),
        Transcript(
            name: "body containing CRLF and parens",
            text: "* 2 FETCH (UID 8 BODY[] {?}\n<<Subject: x\n\n)))\n* 3 FETCH (\n>>)\n",
            events: fetch(2, [.fetchAttribute(.uid(8))] + body("", "Subject: x\n\n)))\n* 3 FETCH (\n"))),
        Transcript(
            name: "empty literal body", text: "* 1 FETCH (BODY[] {0}\n)\n",
            events: fetch(1, [.fetchBodyStart(section: "", origin: nil, size: 0), .fetchBodyEnd])),
        Transcript(
            name: "quoted body", text: "* 1 FETCH (BODY[TEXT] \"hi \\\"there\\\"\")\n",
            events: fetch(1, body("TEXT", "hi \"there\""))),
        Transcript(name: "empty quoted body", text: "* 1 FETCH (BODY[1] \"\")\n", events: fetch(1, body("1", ""))),
        Transcript(name: "NIL body", text: "* 1 FETCH (BODY[1.2] NIL)\n", events: fetch(1, body("1.2", nil))),
        Transcript(
            name: "partial body", text: "* 1 FETCH (BODY[]<0> {?}\n<<abc>>)\n",
            events: fetch(1, body("", origin: 0, "abc"))),
        Transcript(
            name: "header fields section",
            text: "* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT FROM)] {?}\n<<Subject: a\n\n>>)\n",
            events: fetch(1, body("HEADER.FIELDS (SUBJECT FROM)", "Subject: a\n\n"))),
        Transcript(
            name: "RFC822", text: "* 1 FETCH (RFC822 {?}\n<<x>> RFC822.HEADER {?}\n<<y>> RFC822.TEXT \"z\")\n",
            events: fetch(1, body("", "x") + body("HEADER", "y") + body("TEXT", "z"))),
        Transcript(
            name: "BINARY literal8", text: "* 1 FETCH (BINARY[1] ~{3}\n\u{0}\u{1}\u{2})\n",
            events: fetch(
                1,
                [
                    .fetchBodyStart(section: "1", origin: nil, size: 3), .fetchBodyChunk(ByteBuffer(bytes: [0, 1, 2])),
                    .fetchBodyEnd,
                ])),
        Transcript(
            name: "BINARY.SIZE is other", text: "* 1 FETCH (BINARY.SIZE[1] 1234)\n",
            events: fetch(1, [.fetchAttribute(.other(name: "BINARY.SIZE[1]", value: "1234"))])),
        Transcript(
            name: "BODYSTRUCTURE kept raw",
            text:
                "* 1 FETCH (BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23)(\"TEXT\" \"PLAIN\" NIL \"<x@y>\" \"Compiled\" \"BASE64\" 4554 73) \"MIXED\"))\n",
            events: fetch(
                1,
                [
                    .fetchAttribute(
                        .other(
                            name: "BODYSTRUCTURE",
                            value:
                                "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23)(\"TEXT\" \"PLAIN\" NIL \"<x@y>\" \"Compiled\" \"BASE64\" 4554 73) \"MIXED\")"
                        ))
                ])),
        Transcript(
            name: "BODY without section is other",
            text: "* 1 FETCH (BODY (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 3028 92))\n",
            events: fetch(
                1, [.fetchAttribute(.other(name: "BODY", value: "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 3028 92)"))])),
        Transcript(
            name: "ENVELOPE with a literal subject",
            text: "* 1 FETCH (UID 3 ENVELOPE (NIL {?}\n<<sub\nject>> NIL NIL NIL NIL NIL NIL NIL NIL) FLAGS ())\n",
            events: fetch(
                1,
                [
                    .fetchAttribute(.uid(3)),
                    .fetchAttribute(
                        .other(name: "ENVELOPE", value: "(NIL {9}\r\nsub\r\nject NIL NIL NIL NIL NIL NIL NIL NIL)")),
                    .fetchAttribute(.flags([])),
                ])),
        Transcript(
            name: "ENVELOPE literal, BODYSTRUCTURE, then a streamed header",
            text:
                "* 151 FETCH (UID 5595 FLAGS (\\Seen) ENVELOPE (\"Fri, 08 Aug 2025 21:10:36 +0000\" {?}\n<<=?UTF-8?q?Why_(oops)?=>> ((\"F\" NIL \"f\" \"m.com\")) NIL NIL NIL NIL NIL NIL \"<m@k3>\") BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"US-ASCII\") NIL NIL \"7bit\" 3269 63 NIL NIL NIL NIL)(\"text\" \"html\" (\"boundary\" NIL) NIL NIL \"quoted-printable\" 4250 65 NIL NIL NIL NIL) \"alternative\") BODY[HEADER] {?}\n<<Return-Path: <b@k3>\n\n>>)\n",
            events: fetch(
                151,
                [
                    .fetchAttribute(.uid(5595)), .fetchAttribute(.flags([.seen])),
                    .fetchAttribute(
                        .other(
                            name: "ENVELOPE",
                            value:
                                "(\"Fri, 08 Aug 2025 21:10:36 +0000\" {22}\r\n=?UTF-8?q?Why_(oops)?= ((\"F\" NIL \"f\" \"m.com\")) NIL NIL NIL NIL NIL NIL \"<m@k3>\")"
                        )),
                    .fetchAttribute(
                        .other(
                            name: "BODYSTRUCTURE",
                            value:
                                "((\"text\" \"plain\" (\"charset\" \"US-ASCII\") NIL NIL \"7bit\" 3269 63 NIL NIL NIL NIL)(\"text\" \"html\" (\"boundary\" NIL) NIL NIL \"quoted-printable\" 4250 65 NIL NIL NIL NIL) \"alternative\")"
                        )),
                ] + body("HEADER", "Return-Path: <b@k3>\n\n"))),
        Transcript(
            name: "Gmail attributes",
            text:
                "* 1 FETCH (X-GM-THRID 1278455344230334865 X-GM-MSGID 1278455344230334865 X-GM-LABELS (\"\\\\Inbox\" foo) UID 5)\n",
            events: fetch(
                1,
                [
                    .fetchAttribute(.other(name: "X-GM-THRID", value: "1278455344230334865")),
                    .fetchAttribute(.other(name: "X-GM-MSGID", value: "1278455344230334865")),
                    .fetchAttribute(.other(name: "X-GM-LABELS", value: "(\"\\\\Inbox\" foo)")),
                    .fetchAttribute(.uid(5)),
                ])),
        Transcript(
            name: "odd spacing", text: "* 1 FETCH ( UID 5  FLAGS (\\Seen  \\Answered ) )  \n",
            events: fetch(1, [.fetchAttribute(.uid(5)), .fetchAttribute(.flags([.seen, .answered]))])),
        Transcript(
            name: "lowercase fetch", text: "* 1 fetch (uid 5 flags NIL)\n",
            events: fetch(1, [.fetchAttribute(.uid(5)), .fetchAttribute(.flags([]))])),
        Transcript(name: "empty fetch", text: "* 1 FETCH ()\n", events: fetch(1, [])),
        Transcript(
            name: "two fetches and a completion",
            text: "* 1 FETCH (UID 1)\n* 2 FETCH (UID 2)\nA1 OK done\n",
            events: fetch(1, [.fetchAttribute(.uid(1))]) + fetch(2, [.fetchAttribute(.uid(2))]) + [tagged("A1", "done")]
        ),
    ]

    @Test(arguments: conditions + codes + mailboxData + fetches)
    func parses(_ transcript: Transcript) {
        let outcome = parse(transcript.text)
        #expect(outcome.error == nil)
        #expect(outcome.events == transcript.events)
        #expect(outcome.leftover == 0)
    }

    @Test func bareLineFeeds() {
        let bytes = Array("* OK hi\n* 1 FETCH (BODY[] {3}\nab\n UID 2)\nA1 OK done\n".utf8)
        let outcome = parse(bytes)
        #expect(outcome.error == nil)
        #expect(
            outcome.events == [ok("hi")]
                + fetch(
                    1,
                    [
                        .fetchBodyStart(section: "", origin: nil, size: 3), chunk("ab\n"), .fetchBodyEnd,
                        .fetchAttribute(.uid(2)),
                    ]) + [tagged("A1", "done")])
    }

    @Test func blankLinesBetweenResponsesAreSkipped() {
        let outcome = parse(Array("\r\n* OK a\r\n\n\r\nA1 OK b\r\n\r\n".utf8))
        #expect(outcome.error == nil)
        #expect(outcome.events == [ok("a"), tagged("A1", "b")])
        #expect(outcome.leftover == 0)
    }

    @Test func incompleteTaggedWaits() {
        let outcome = parse(Array("A4 OK done".utf8))
        #expect(outcome.events.isEmpty)
        #expect(outcome.error == nil)
        #expect(outcome.leftover == 10)
    }

    static let malformed: [String] = [
        "* 1 FETCH (UID 5\n",
        "* 1 FETCH (UID x)\n",
        "* 1 FETCH UID 5\n",
        "* 1 FETCH (FLAGS (\\Seen)\n",
        "* 1 FETCH (UID 5 FLAGS\n",
        "* 1 FETCH (UID 5)x\n",
        "* 1 FETCH (UID 99999999999)\n",
        "* 99999999999 EXISTS\n",
        "* 1 FETCH (BODY[] {99999999999999999999}\n",
        "* 1 FETCH (RFC822.SIZE 99999999999999999999999)\n",
        "* 1 FETCH (BODY[] 12)\n",
        "* 1 FETCH (UID 1UID 2)\n",
        "* LIST (\\Noselect \"/\" foo\n",
        "* LIST () \"ab\" foo\n",
        "* STATUS foo (MESSAGES x)\n",
        "* FLAGS \\Seen\n",
        "* 5 EXISTS now\n",
        "*\n",
        "A1 MAYBE\n",
        "A1\n",
        "* LIST () \"/\" \"unterminated\n",
        "* ID (\"a\")\n",
        "* VANISHED\n",
    ]

    @Test(arguments: malformed)
    func rejects(_ text: String) {
        let outcome = parse(text)
        #expect(outcome.error != nil, "\(outcome.events)")
    }
}
