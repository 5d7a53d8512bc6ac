import Testing

@testable import MIME

struct MessageIndexerTests {
    @Test func plainMessage() {
        let summary = Fixtures.index(Fixtures.plain)
        #expect(summary.messageID == "1234.5678@mail.example.com")
        #expect(summary.date == 1_136_214_245)
        #expect(summary.dateHeader == "Mon, 02 Jan 2006 15:04:05 +0000")
        #expect(summary.from == [Address(name: "Alice Example", email: "alice@example.com")])
        #expect(summary.to == [Address(name: "Bob", email: "bob@example.org"), Address(email: "carol@example.net")])
        #expect(summary.cc == [Address(name: "Doe, Dave", email: "dave@example.com")])
        #expect(summary.subject == "Lunch tomorrow?")
        #expect(!summary.hasAttachments)
        #expect(summary.bodyText == "Shall we meet at noon?\n\n-- \nAlice")
        #expect(!summary.bodyTextTruncated)
        #expect(summary.problems.isEmpty)
    }

    @Test(arguments: [
        ("Return-Path: <bounce+x@lists.example.org>\r\n", "bounce+x@lists.example.org"),
        ("Return-Path: <>\r\n", ""),
        ("Return-Path:\r\n <a@b.example> \r\n", "a@b.example"),
        ("Return-Path: a@b.example (comment)\r\n", "a@b.example"),
        ("", nil),
    ] as [(String, String?)])
    func returnPathIsTheEnvelopeSender(header: String, expected: String?) {
        let summary = Fixtures.index(Array((header + "From: x@example.org\r\nSubject: s\r\n\r\nbody\r\n").utf8))
        #expect(summary.returnPath == expected)
    }

    @Test func alternativeIndexesTheFirstAlternativeOnly() {
        let summary = Fixtures.index(Fixtures.alternative)
        #expect(summary.subject == "Newsletter für Januar")
        #expect(summary.date == 1_136_214_240)
        #expect(summary.bodyText == "Grüße aus Köln, this line is soft broken.")
        #expect(!summary.hasAttachments)
        #expect(summary.problems.isEmpty)
    }

    @Test func emptyPlainAlternativeFallsBackToHTML() {
        let summary = Fixtures.index(Fixtures.htmlOnlyAlternative)
        #expect(summary.bodyText == "Café & crème")
        #expect(summary.messageID == nil)
        #expect(summary.date == nil && summary.dateHeader == nil)
    }

    @Test func nestedMixedWithAttachments() {
        let summary = Fixtures.index(Fixtures.mixed)
        #expect(summary.from == [Address(name: "André", email: "andre@example.fr")])
        #expect(summary.to == [Address(email: "a@example.com"), Address(email: "b@example.com")])
        #expect(summary.subject == "Rapport \u{201C}final\u{201D}")
        #expect(summary.date == 1_212_491_130)
        #expect(summary.hasAttachments)
        #expect(summary.bodyText == "Voir le rapport ci-joint.")
        #expect(summary.problems.isEmpty)
    }

    @Test func inlineImageWithoutFilenameIsNoAttachment() {
        let summary = Fixtures.index(Fixtures.inlineImageOnly)
        #expect(!summary.hasAttachments)
        #expect(summary.bodyText == "see picture")
    }

    @Test func base64BodyInKOI8R() {
        let summary = Fixtures.index(Fixtures.base64Body)
        #expect(summary.subject == "Привет")
        #expect(summary.bodyText == "Привет, мир")
    }

    @Test func attachedMessageIsIndexedToo() {
        let summary = Fixtures.index(Fixtures.attachedMessage)
        #expect(summary.subject == "Fwd: original")
        #expect(summary.hasAttachments)
        #expect(summary.bodyText == "See below.\nOriginal words.")
        #expect(summary.problems.isEmpty)
    }

    @Test func headerOnlyMessage() {
        let summary = Fixtures.index(Fixtures.headerOnly)
        #expect(summary.from == [Address(email: "someone@example.com")])
        #expect(summary.subject == "nothing else")
        #expect(summary.bodyText == "")
    }

    @Test func emptyInput() {
        let summary = Fixtures.index([])
        #expect(summary.messageID == nil && summary.subject == nil && summary.from.isEmpty)
        #expect(summary.bodyText == "")
        #expect(summary.problems == ["message: empty"])
    }

    @Test func bareLineFeedsAndBoundaryWithTrailingWhitespace() {
        let summary = Fixtures.index(Fixtures.bareLF)
        #expect(summary.subject == "bare line feeds")
        #expect(summary.bodyText == "first part\nsecond part")
        #expect(summary.problems.isEmpty)
    }

    @Test func rawEightBitHeaders() {
        let summary = Fixtures.index(Fixtures.eightBitHeaders)
        #expect(summary.from == [Address(name: "Jörg", email: "j@example.de")])
        #expect(summary.subject == "Grüße")
        #expect(summary.to == [Address(name: "Мир", email: "mir@example.ru")])
        #expect(summary.bodyText == "Körper")
    }

    @Test func truncatedMessageKeepsWhatItHas() {
        let summary = Fixtures.index(Fixtures.truncated)
        #expect(summary.subject == "cut short")
        #expect(summary.hasAttachments)
        #expect(summary.bodyText == "text before the cut")
        #expect(summary.problems == ["multipart: missing final boundary"])
    }

    @Test func garbageDateIsAProblemNotAFailure() {
        let summary = Fixtures.index(Fixtures.crlf("Date: the day after tomorrow\nSubject: x\n\nbody\n"))
        #expect(summary.date == nil)
        #expect(summary.dateHeader == "the day after tomorrow")
        #expect(summary.problems == ["date: unreadable 'the day after tomorrow'"])
        #expect(summary.bodyText == "body")
    }

    @Test func addressShapesInHeaders() {
        let message = Fixtures.crlf(
            """
            From: john@example.com (John Doe)
            To: undisclosed-recipients:;
            Cc: <@relay.example:route@example.com>, "Last, First" <lf@example.com>, garbage here
            Cc: second@example.com

            x
            """)
        let summary = Fixtures.index(message)
        #expect(summary.from == [Address(name: "John Doe", email: "john@example.com")])
        #expect(summary.to.isEmpty)
        #expect(
            summary.cc == [
                Address(email: "route@example.com"), Address(name: "Last, First", email: "lf@example.com"),
                Address(email: "second@example.com"),
            ])
        #expect(summary.problems.count == 1)
    }

    @Test func boundaryLikeLinesAreContent() {
        let message = Fixtures.crlf(
            """
            Content-Type: multipart/mixed; boundary=abc

            --abc
            Content-Type: text/plain

            --abcdef is not our boundary
            --abc-- trailing words make this content too
            ---abc
            --abc--
            """)
        let summary = Fixtures.index(message)
        #expect(summary.bodyText == "--abcdef is not our boundary\n--abc-- trailing words make this content too\n---abc")
        #expect(summary.problems.isEmpty)
    }

    @Test func outerBoundaryClosesInnerMultipart() {
        let message = Fixtures.crlf(
            """
            Content-Type: multipart/mixed; boundary=outer

            --outer
            Content-Type: multipart/alternative; boundary=inner

            --inner
            Content-Type: text/plain

            inner text
            --outer
            Content-Type: text/plain

            outer text
            --outer--
            """)
        let summary = Fixtures.index(message)
        #expect(summary.bodyText == "inner text\nouter text")
        #expect(summary.problems == ["multipart: missing final boundary of a nested multipart"])
    }

    @Test func digestPartsDefaultToMessages() {
        let message = Fixtures.crlf(
            """
            Content-Type: multipart/digest; boundary=d

            --d

            Subject: one

            first digest message
            --d--
            """)
        let summary = Fixtures.index(message)
        #expect(summary.bodyText == "first digest message")
        #expect(summary.hasAttachments)
    }

    @Test(arguments: [
        ("Content-Type: application/octet-stream\n\nxx", true),
        ("Content-Type: image/jpeg; name=\"photo.jpg\"\n\nxx", true),
        ("Content-Type: image/jpeg\n\nxx", false),
        ("Content-Type: text/plain\nContent-Disposition: attachment\n\nxx", true),
        ("Content-Type: text/csv; name=a.csv\n\nxx", false),
        ("Content-Type: application/pgp-signature; name=signature.asc\n\nxx", false),
    ])
    func attachmentRules(part: String, expected: Bool) {
        let message = Fixtures.crlf("Content-Type: multipart/mixed; boundary=z\n\n--z\n\(part)\n--z--\n")
        #expect(Fixtures.index(message).hasAttachments == expected)
    }

    @Test func unknownCharsetAndEncodingAreReported() {
        let message = Fixtures.crlf(
            """
            Content-Type: multipart/mixed; boundary=z

            --z
            Content-Type: text/plain; charset=x-martian

            caf\u{E9}
            --z
            Content-Type: text/plain
            Content-Transfer-Encoding: x-uuencode

            begin 644 file
            --z--
            """)
        let summary = Fixtures.index(message)
        #expect(summary.bodyText == "café")
        #expect(summary.problems.count == 2)
    }

    @Test func multipartWithoutBoundary() {
        let summary = Fixtures.index(Fixtures.crlf("Content-Type: multipart/mixed\n\n--x\n\ntext\n"))
        #expect(summary.bodyText == "")
        #expect(summary.problems == ["mime: multipart/mixed without a boundary"])
    }
}
