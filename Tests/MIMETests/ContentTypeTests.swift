import Testing

@testable import MIME

struct ContentTypeTests {
    @Test func typeSubtypeAndParameters() throws {
        let type = try #require(ContentType(parsing: "Text/HTML; Charset=\"UTF-8\"; format=flowed (comment)"))
        #expect(type.mimeType == "text/html")
        #expect(type.charset == "UTF-8")
        #expect(type.parameters["FORMAT"] == "flowed")
    }

    @Test func boundaryKeepsCaseAndQuotedSpecials() throws {
        let type = try #require(
            ContentType(parsing: "multipart/mixed;\r\n boundary=\"----=_Part_0; (x) ABC\"; charset=us-ascii"))
        #expect(type.boundary == "----=_Part_0; (x) ABC")
        #expect(type.charset == "us-ascii")
    }

    @Test(arguments: [
        ("text", "text/plain"),
        ("text/plain charset=utf-8", "text/plain"),
        ("  IMAGE/Jpeg  ", "image/jpeg"),
    ])
    func forgivingTypes(value: String, expected: String) {
        #expect(ContentType(parsing: value)?.mimeType == expected)
    }

    @Test(arguments: ["", "   ", ";charset=utf-8", "/plain", "tëxt/plain"])
    func unreadableTypes(value: String) {
        #expect(ContentType(parsing: value) == nil)
    }

    @Test(arguments: [
        // RFC 2231 section 4: charset and language, percent-encoded.
        ("attachment; filename*=iso-8859-1'en'%A3%20rates.txt", "£ rates.txt"),
        ("attachment; filename*=UTF-8''%E2%82%AC%20Rechnung.pdf", "€ Rechnung.pdf"),
        // Section 3: continuations, in any order, mixing encoded and plain sections.
        ("attachment; filename*0=\"long \"; filename*1=\"name.txt\"", "long name.txt"),
        ("attachment; filename*1=\"b.txt\"; filename*0=\"a\"", "ab.txt"),
        ("attachment; filename*0*=UTF-8''Gr%C3%BC; filename*1=\"sse\"; filename*2*=%2Etxt", "Grüsse.txt"),
        // The RFC 2231 form wins over the plain one.
        ("attachment; filename=\"fallback.txt\"; filename*=UTF-8''real.txt", "real.txt"),
        // Encoded words in a quoted filename, as Outlook writes them.
        ("attachment; filename=\"=?UTF-8?B?w5xiZXJzaWNodC5wZGY=?=\"", "Übersicht.pdf"),
        ("attachment; filename=report(1).pdf", "report(1).pdf"),
        ("attachment; filename=\"with \\\"quote\\\".txt\"", "with \"quote\".txt"),
        ("attachment; filename=\"unterminated.txt", "unterminated.txt"),
        ("attachment; filename*=x-nonesuch''abc", "abc"),
    ])
    func dispositionFilenames(value: String, expected: String) {
        let disposition = ContentDisposition(parsing: value)
        #expect(disposition.isAttachment)
        #expect(disposition.filename == expected)
    }

    @Test func inlineDisposition() {
        let disposition = ContentDisposition(parsing: "INLINE")
        #expect(disposition.isInline && !disposition.isAttachment && disposition.filename == nil)
    }
}
