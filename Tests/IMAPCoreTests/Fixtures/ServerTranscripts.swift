import IMAPCore
import NIOCore

/// Server output as real servers send it (shapes taken from their public documentation and
/// published session transcripts), with the events each must produce.
enum ServerTranscripts {
    static let message = "From: a@example.com\nSubject: Hi\n\nHello (there) {5}\n* 1 FETCH (\n.\n"

    static let dovecot = Transcript(
        name: "Dovecot 2.3",
        text: """
            * OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN] Dovecot (Debian) ready.
            A1 OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE] Logged in
            * ENABLED CONDSTORE
            A2 OK Enabled.
            * LIST (\\HasNoChildren) "." INBOX
            * LIST (\\HasNoChildren \\Sent) "." Sent
            * LIST (\\HasNoChildren \\UnMarked) "." "Caf&AOk-"
            * STATUS INBOX (MESSAGES 2 UIDVALIDITY 1700000000 HIGHESTMODSEQ 4)
            A3 OK List completed (0.001 + 0.000 secs).
            * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)
            * OK [PERMANENTFLAGS ()] Read-only mailbox.
            * 2 EXISTS
            * 0 RECENT
            * OK [UIDVALIDITY 1700000000] UIDs valid
            * OK [UIDNEXT 3] Predicted next UID
            * OK [HIGHESTMODSEQ 4] Highest
            A4 OK [READ-ONLY] Examine completed (0.001 + 0.000 secs).
            * 1 FETCH (UID 1 FLAGS (\\Seen) INTERNALDATE " 2-Jan-2024 10:00:00 +0100" RFC822.SIZE 62 MODSEQ (3) BODY[] {?}
            <<\(message)>>)
            * 2 FETCH (UID 2 FLAGS () INTERNALDATE "12-Feb-2024 23:15:09 +0000" RFC822.SIZE 0 MODSEQ (4) BODY[] {0}
            )
            A5 OK Fetch completed (0.002 + 0.000 + 0.001 secs).
            * BYE Logging out
            A6 OK Logout completed (0.001 + 0.000 secs).

            """,
        events: [
            ok(
                "Dovecot (Debian) ready.",
                .capability([
                    "IMAP4rev1", "SASL-IR", "LOGIN-REFERRALS", "ID", "ENABLE", "IDLE", "LITERAL+", "STARTTLS",
                    "AUTH=PLAIN",
                ])),
            tagged(
                "A1", "Logged in",
                .capability(
                    "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE"
                        .split(separator: " ").map(String.init))),
            .untagged(.enabled(["CONDSTORE"])),
            tagged("A2", "Enabled."),
            .untagged(
                .list(ListResponse(attributes: ["\\HasNoChildren"], delimiter: UInt8(ascii: "."), mailbox: .inbox))),
            .untagged(
                .list(
                    ListResponse(
                        attributes: ["\\HasNoChildren", "\\Sent"], delimiter: UInt8(ascii: "."),
                        mailbox: mailbox("Sent")))),
            .untagged(
                .list(
                    ListResponse(
                        attributes: ["\\HasNoChildren", "\\UnMarked"], delimiter: UInt8(ascii: "."),
                        mailbox: mailbox("Caf&AOk-")))),
            .untagged(.status(.inbox, ["MESSAGES": 2, "UIDVALIDITY": 1_700_000_000, "HIGHESTMODSEQ": 4])),
            tagged("A3", "List completed (0.001 + 0.000 secs)."),
            .untagged(.flags([.answered, .flagged, .deleted, .seen, .draft, Flag("$Forwarded")])),
            ok("Read-only mailbox.", .permanentFlags([])),
            .untagged(.exists(2)),
            .untagged(.recent(0)),
            ok("UIDs valid", .uidValidity(1_700_000_000)),
            ok("Predicted next UID", .uidNext(3)),
            ok("Highest", .highestModSeq(4)),
            tagged("A4", "Examine completed (0.001 + 0.000 secs).", .readOnly),
        ]
            + fetch(
                1,
                [
                    .fetchAttribute(.uid(1)), .fetchAttribute(.flags([.seen])),
                    .fetchAttribute(
                        .internalDate(
                            InternalDate(year: 2024, month: 1, day: 2, hour: 10, minute: 0, second: 0, zoneMinutes: 60))
                    ),
                    .fetchAttribute(.rfc822Size(62)), .fetchAttribute(.modSeq(3)),
                ] + body("", message))
            + fetch(
                2,
                [
                    .fetchAttribute(.uid(2)), .fetchAttribute(.flags([])),
                    .fetchAttribute(
                        .internalDate(
                            InternalDate(year: 2024, month: 2, day: 12, hour: 23, minute: 15, second: 9, zoneMinutes: 0)
                        )),
                    .fetchAttribute(.rfc822Size(0)), .fetchAttribute(.modSeq(4)),
                    .fetchBodyStart(section: "", origin: nil, size: 0), .fetchBodyEnd,
                ]) + [
                tagged("A5", "Fetch completed (0.002 + 0.000 + 0.001 secs)."),
                .untagged(.condition(.bye, ResponseText(code: nil, text: "Logging out"))),
                tagged("A6", "Logout completed (0.001 + 0.000 secs)."),
            ])

    static let gmail = Transcript(
        name: "Gmail",
        text: """
            * OK Gimap ready for requests from 192.0.2.1 h5mb123456
            * CAPABILITY IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID XLIST CHILDREN X-GM-EXT-1 UIDPLUS COMPRESS=DEFLATE ENABLE MOVE CONDSTORE ESEARCH UTF8=ACCEPT LIST-EXTENDED LIST-STATUS LITERAL- SPECIAL-USE APPENDLIMIT=35651584
            A1 OK alice@gmail.com authenticated (Success)
            * ID ("name" "GImap" "vendor" "Google, Inc." "support-url" NIL)
            A2 OK Success
            * LIST (\\HasNoChildren) "/" "INBOX"
            * LIST (\\HasChildren \\Noselect) "/" "[Gmail]"
            * LIST (\\All \\HasNoChildren) "/" "[Gmail]/All Mail"
            * LIST (\\HasNoChildren \\Sent) "/" "[Gmail]/Sent Mail"
            * STATUS "[Gmail]/All Mail" (MESSAGES 1 UIDVALIDITY 11)
            A3 OK Success
            * 1 FETCH (X-GM-THRID 1278455344230334865 X-GM-MSGID 1278455344230334865 X-GM-LABELS ("\\\\Important" "\\\\Sent" Family) UID 4 FLAGS (\\Seen) BODY[] {?}
            <<Subject: x\n\nbody\n>>)
            * 1 FETCH (X-GM-LABELS () UID 4 MODSEQ (9))
            A4 OK Success
            * SEARCH
            A5 OK SEARCH completed (Success)

            """,
        events: [
            ok("Gimap ready for requests from 192.0.2.1 h5mb123456"),
            .untagged(
                .capability(
                    "IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID XLIST CHILDREN X-GM-EXT-1 UIDPLUS COMPRESS=DEFLATE ENABLE MOVE CONDSTORE ESEARCH UTF8=ACCEPT LIST-EXTENDED LIST-STATUS LITERAL- SPECIAL-USE APPENDLIMIT=35651584"
                        .split(separator: " ").map(String.init))),
            tagged("A1", "alice@gmail.com authenticated (Success)"),
            .untagged(.id(["name": "GImap", "vendor": "Google, Inc.", "support-url": String?.none])),
            tagged("A2", "Success"),
            .untagged(
                .list(ListResponse(attributes: ["\\HasNoChildren"], delimiter: UInt8(ascii: "/"), mailbox: .inbox))),
            .untagged(
                .list(
                    ListResponse(
                        attributes: ["\\HasChildren", "\\Noselect"], delimiter: UInt8(ascii: "/"),
                        mailbox: mailbox("[Gmail]")))),
            .untagged(
                .list(
                    ListResponse(
                        attributes: ["\\All", "\\HasNoChildren"], delimiter: UInt8(ascii: "/"),
                        mailbox: mailbox("[Gmail]/All Mail")))),
            .untagged(
                .list(
                    ListResponse(
                        attributes: ["\\HasNoChildren", "\\Sent"], delimiter: UInt8(ascii: "/"),
                        mailbox: mailbox("[Gmail]/Sent Mail")))),
            .untagged(.status(mailbox("[Gmail]/All Mail"), ["MESSAGES": 1, "UIDVALIDITY": 11])),
            tagged("A3", "Success"),
        ]
            + fetch(
                1,
                [
                    .fetchAttribute(.other(name: "X-GM-THRID", value: "1278455344230334865")),
                    .fetchAttribute(.other(name: "X-GM-MSGID", value: "1278455344230334865")),
                    .fetchAttribute(.other(name: "X-GM-LABELS", value: "(\"\\\\Important\" \"\\\\Sent\" Family)")),
                    .fetchAttribute(.uid(4)), .fetchAttribute(.flags([.seen])),
                ] + body("", "Subject: x\n\nbody\n"))
            + fetch(
                1,
                [
                    .fetchAttribute(.other(name: "X-GM-LABELS", value: "()")), .fetchAttribute(.uid(4)),
                    .fetchAttribute(.modSeq(9)),
                ]) + [
                tagged("A4", "Success"),
                .untagged(.search([], modSeq: nil)),
                tagged("A5", "SEARCH completed (Success)"),
            ])

    static let microsoft365 = Transcript(
        name: "Microsoft 365 / Exchange",
        text: """
            * OK The Microsoft Exchange IMAP4 service is ready. [TQBOADIAUABSADAANgBDAEEAMAAwADAAOAAuAG4AYQBtAHAAcgBkADAANgAuAHAAcgBvAGQA]
            A1 OK AUTHENTICATE completed.
            * ID NIL
            A2 OK ID completed.
            * LIST (\\Marked \\HasNoChildren) "/" INBOX
            * LIST (\\HasChildren) "/" Calendar
            * LIST (\\HasNoChildren) "/" Calendar/Birthdays
            * LIST (\\HasNoChildren \\Sent) "/" "Sent Items"
            A3 OK LIST completed.
            * 3 EXISTS
            * 0 RECENT
            * FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $MDNSent)
            * OK [PERMANENTFLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $MDNSent)] Permanent flags
            * OK [UNSEEN 2] Is the first unseen message
            * OK [UIDVALIDITY 14] UIDVALIDITY value
            * OK [UIDNEXT 97] The next unique identifier value
            A4 OK [READ-ONLY] EXAMINE completed.
            * 1 FETCH (UID 95 RFC822.SIZE 3051 FLAGS (\\Seen) )
            * 1 FETCH (BODY[] {?}
            <<Subject: m365\n\nx\n>> )
            * 2 FETCH (UID 96 FLAGS ())
            A5 OK FETCH completed.
            * BYE Connection closed.
            A6 OK LOGOUT completed.

            """,
        events: [
            ok(
                "The Microsoft Exchange IMAP4 service is ready. [TQBOADIAUABSADAANgBDAEEAMAAwADAAOAAuAG4AYQBtAHAAcgBkADAANgAuAHAAcgBvAGQA]"
            ),
            tagged("A1", "AUTHENTICATE completed."),
            .untagged(.id(nil)),
            tagged("A2", "ID completed."),
            .untagged(
                .list(
                    ListResponse(
                        attributes: ["\\Marked", "\\HasNoChildren"], delimiter: UInt8(ascii: "/"), mailbox: .inbox))),
            .untagged(
                .list(
                    ListResponse(
                        attributes: ["\\HasChildren"], delimiter: UInt8(ascii: "/"), mailbox: mailbox("Calendar")))),
            .untagged(
                .list(
                    ListResponse(
                        attributes: ["\\HasNoChildren"], delimiter: UInt8(ascii: "/"),
                        mailbox: mailbox("Calendar/Birthdays")))),
            .untagged(
                .list(
                    ListResponse(
                        attributes: ["\\HasNoChildren", "\\Sent"], delimiter: UInt8(ascii: "/"),
                        mailbox: mailbox("Sent Items")))),
            tagged("A3", "LIST completed."),
            .untagged(.exists(3)),
            .untagged(.recent(0)),
            .untagged(.flags([.seen, .answered, .flagged, .deleted, .draft, Flag("$MDNSent")])),
            ok("Permanent flags", .permanentFlags([.seen, .answered, .flagged, .deleted, .draft, Flag("$MDNSent")])),
            ok("Is the first unseen message", .unseen(2)),
            ok("UIDVALIDITY value", .uidValidity(14)),
            ok("The next unique identifier value", .uidNext(97)),
            tagged("A4", "EXAMINE completed.", .readOnly),
        ] + fetch(1, [.fetchAttribute(.uid(95)), .fetchAttribute(.rfc822Size(3051)), .fetchAttribute(.flags([.seen]))])
            + fetch(1, body("", "Subject: m365\n\nx\n"))
            + fetch(2, [.fetchAttribute(.uid(96)), .fetchAttribute(.flags([]))]) + [
                tagged("A5", "FETCH completed."),
                .untagged(.condition(.bye, ResponseText(code: nil, text: "Connection closed."))),
                tagged("A6", "LOGOUT completed."),
            ])

    static let cyrus = Transcript(
        name: "Cyrus IMAP 3",
        text: """
            * OK [CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE STARTTLS AUTH=PLAIN SASL-IR] mail.example.org Cyrus IMAP 3.6.1 server ready
            * OK [URLMECH INTERNAL] Ok
            * ID ("name" "Cyrus IMAPD" "version" "3.6.1" "vendor" "Project Cyrus" "support-url" "https://www.cyrusimap.org")
            * LIST (\\HasChildren) "." INBOX
            * LIST (\\HasNoChildren) "." INBOX.Sent
            * LIST (\\HasNoChildren \\Trash) "." INBOX.Trash
            A2 OK Completed (0.000 secs 4 calls)
            * OK [HIGHESTMODSEQ 12] Ok
            * OK [ANNOTATIONS 65536] Ok
            A3 OK [READ-ONLY] Ok
            * ESEARCH (TAG "A4") UID ALL 1:3,7
            A4 OK Completed (3 msgs in 0.000 secs)
            * VANISHED (EARLIER) 4:6
            * 1 FETCH (MODSEQ (12) FLAGS (\\Seen $NotJunk) UID 7)
            A5 OK Completed (0.000 sec)

            """,
        events: [
            ok(
                "mail.example.org Cyrus IMAP 3.6.1 server ready",
                .capability(["IMAP4rev1", "LITERAL+", "ID", "ENABLE", "STARTTLS", "AUTH=PLAIN", "SASL-IR"])),
            ok("Ok", .other(name: "URLMECH", argument: "INTERNAL")),
            .untagged(
                .id([
                    "name": "Cyrus IMAPD", "version": "3.6.1", "vendor": "Project Cyrus",
                    "support-url": "https://www.cyrusimap.org",
                ])),
            .untagged(
                .list(ListResponse(attributes: ["\\HasChildren"], delimiter: UInt8(ascii: "."), mailbox: .inbox))),
            .untagged(
                .list(
                    ListResponse(
                        attributes: ["\\HasNoChildren"], delimiter: UInt8(ascii: "."), mailbox: mailbox("INBOX.Sent")))),
            .untagged(
                .list(
                    ListResponse(
                        attributes: ["\\HasNoChildren", "\\Trash"], delimiter: UInt8(ascii: "."),
                        mailbox: mailbox("INBOX.Trash")))),
            tagged("A2", "Completed (0.000 secs 4 calls)"),
            ok("Ok", .highestModSeq(12)),
            ok("Ok", .other(name: "ANNOTATIONS", argument: "65536")),
            tagged("A3", "Ok", .readOnly),
            .untagged(
                .esearch(tag: Tag("A4"), uid: true, all: SequenceSet([1...3, 7...7]), count: nil, min: nil, max: nil)),
            tagged("A4", "Completed (3 msgs in 0.000 secs)"),
            .untagged(.vanished(earlier: true, SequenceSet(4...6))),
        ]
            + fetch(
                1,
                [
                    .fetchAttribute(.modSeq(12)), .fetchAttribute(.flags([.seen, Flag("$NotJunk")])),
                    .fetchAttribute(.uid(7)),
                ]) + [
                tagged("A5", "Completed (0.000 sec)")
            ])

    static let courier = Transcript(
        name: "Courier-IMAP",
        text: """
            * OK [CAPABILITY IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE ACL ACL2=UNION STARTTLS] Courier-IMAP ready. Copyright 1998-2018 Double Precision, Inc.  See COPYING for distribution information.
            * NAMESPACE (("INBOX." ".")) NIL (("#shared." ".")("shared." "."))
            A1 OK NAMESPACE completed.
            * LIST (\\Unmarked \\HasChildren) "." "INBOX"
            * LIST (\\HasNoChildren) "." "INBOX.Sent"
            A2 OK LIST completed
            * FLAGS (\\Draft \\Answered \\Flagged \\Deleted \\Seen \\Recent)
            * OK [PERMANENTFLAGS (\\* \\Draft \\Answered \\Flagged \\Deleted \\Seen)] Limited
            * 1 EXISTS
            * 1 RECENT
            * OK [UIDVALIDITY 1163173234] Ok
            * OK [MYRIGHTS "acdilrsw"] ACL
            A3 OK [READ-ONLY] Ok
            * 1 FETCH (UID 9 FLAGS (\\Recent) RFC822 {?}
            <<Subject: courier\n\n>>)
            A4 OK FETCH completed.

            """,
        events: [
            ok(
                "Courier-IMAP ready. Copyright 1998-2018 Double Precision, Inc.  See COPYING for distribution information.",
                .capability([
                    "IMAP4rev1", "UIDPLUS", "CHILDREN", "NAMESPACE", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES",
                    "SORT", "QUOTA", "IDLE", "ACL", "ACL2=UNION", "STARTTLS",
                ])),
            .untagged(
                .namespace(
                    NamespaceResponse(
                        personal: [Namespace(prefix: mailbox("INBOX."), delimiter: UInt8(ascii: "."))], otherUsers: [],
                        shared: [
                            Namespace(prefix: mailbox("#shared."), delimiter: UInt8(ascii: ".")),
                            Namespace(prefix: mailbox("shared."), delimiter: UInt8(ascii: ".")),
                        ]))),
            tagged("A1", "NAMESPACE completed."),
            .untagged(
                .list(
                    ListResponse(
                        attributes: ["\\Unmarked", "\\HasChildren"], delimiter: UInt8(ascii: "."), mailbox: .inbox))),
            .untagged(
                .list(
                    ListResponse(
                        attributes: ["\\HasNoChildren"], delimiter: UInt8(ascii: "."), mailbox: mailbox("INBOX.Sent")))),
            tagged("A2", "LIST completed"),
            .untagged(.flags([.draft, .answered, .flagged, .deleted, .seen, .recent])),
            ok("Limited", .permanentFlags([Flag("\\*"), .draft, .answered, .flagged, .deleted, .seen])),
            .untagged(.exists(1)),
            .untagged(.recent(1)),
            ok("Ok", .uidValidity(1_163_173_234)),
            ok("ACL", .other(name: "MYRIGHTS", argument: "\"acdilrsw\"")),
            tagged("A3", "Ok", .readOnly),
        ] + fetch(1, [.fetchAttribute(.uid(9)), .fetchAttribute(.flags([.recent]))] + body("", "Subject: courier\n\n"))
            + [
                tagged("A4", "FETCH completed.")
            ])

    /// The RFC 9051 §8 sample session, server side.
    static let rfcSample = Transcript(
        name: "RFC 9051 sample",
        text: """
            * OK IMAP4rev2 Service Ready
            a001 OK LOGIN completed
            * 172 EXISTS
            * OK [UIDVALIDITY 3857529045] UIDs valid
            * OK [UIDNEXT 4392] Predicted next UID
            * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)
            * OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited
            * LIST () "/" INBOX
            a002 OK [READ-WRITE] SELECT completed
            * 12 FETCH (FLAGS (\\Seen) INTERNALDATE "17-Jul-1996 02:44:25 -0700" RFC822.SIZE 4286 ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev2 WG mtg summary and minutes" (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) ((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL "<B27397-0100000@cac.washington.edu>") BODY ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92))
            a003 OK FETCH completed
            * 12 FETCH (BODY[HEADER] {?}
            <<Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\nSubject: IMAP4rev2 WG mtg summary and minutes\n\n>>)
            a004 OK FETCH completed
            * 12 FETCH (FLAGS (\\Seen \\Deleted))
            a005 OK +FLAGS completed
            * BYE IMAP4rev2 Server logging out
            a006 OK LOGOUT completed

            """,
        events: [
            ok("IMAP4rev2 Service Ready"),
            tagged("a001", "LOGIN completed"),
            .untagged(.exists(172)),
            ok("UIDs valid", .uidValidity(3_857_529_045)),
            ok("Predicted next UID", .uidNext(4392)),
            .untagged(.flags([.answered, .flagged, .deleted, .seen, .draft])),
            ok("Limited", .permanentFlags([.deleted, .seen, Flag("\\*")])),
            .untagged(.list(ListResponse(attributes: [], delimiter: UInt8(ascii: "/"), mailbox: .inbox))),
            tagged("a002", "SELECT completed", .readWrite),
        ]
            + fetch(
                12,
                [
                    .fetchAttribute(.flags([.seen])),
                    .fetchAttribute(
                        .internalDate(
                            InternalDate(
                                year: 1996, month: 7, day: 17, hour: 2, minute: 44, second: 25, zoneMinutes: -420))),
                    .fetchAttribute(.rfc822Size(4286)),
                    .fetchAttribute(
                        .other(
                            name: "ENVELOPE",
                            value:
                                "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev2 WG mtg summary and minutes\" ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) ((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL \"<B27397-0100000@cac.washington.edu>\")"
                        )),
                    .fetchAttribute(
                        .other(
                            name: "BODY",
                            value: "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92)")),
                ]) + [tagged("a003", "FETCH completed")]
            + fetch(
                12,
                body(
                    "HEADER",
                    "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\nSubject: IMAP4rev2 WG mtg summary and minutes\n\n"))
            + [tagged("a004", "FETCH completed")]
            + fetch(12, [.fetchAttribute(.flags([.seen, .deleted]))]) + [
                tagged("a005", "+FLAGS completed"),
                .untagged(.condition(.bye, ResponseText(code: nil, text: "IMAP4rev2 Server logging out"))),
                tagged("a006", "LOGOUT completed"),
            ])

    static let all = [dovecot, gmail, microsoft365, cyrus, courier, rfcSample]
}
