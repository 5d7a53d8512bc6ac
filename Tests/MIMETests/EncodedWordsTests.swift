import Testing

@testable import MIME

struct EncodedWordsTests {
    @Test(arguments: [
        ("=?UTF-8?B?R3LDvMOfZQ==?=", "Grüße"),
        ("=?utf-8?q?Gr=C3=BC=C3=9Fe_dich?=", "Grüße dich"),
        ("=?ISO-8859-1?Q?Caf=E9?= au lait", "Café au lait"),
        ("=?iso-8859-1?b?Q2Fm6Q==?=", "Café"),
        ("=?windows-1252?Q?=93quoted=94_=80?=", "\u{201C}quoted\u{201D} €"),
        ("=?KOI8-R?B?8NLJ18XU?=", "Привет"),
        ("=?koi8-r?Q?=F0=D2=C9=D7=C5=D4?=", "Привет"),
        // Whitespace between adjacent encoded words goes; around plain words it stays.
        ("=?utf-8?q?a?= =?utf-8?q?b?=", "ab"),
        ("=?utf-8?q?a?=\t  =?iso-8859-1?q?b?=", "ab"),
        ("=?utf-8?q?a?= plain =?utf-8?q?b?=", "a plain b"),
        ("Re: =?utf-8?q?x?=", "Re: x"),
        // A character split between two words.
        ("=?UTF-8?B?w6Q=?= =?UTF-8?B?w7Y=?=", "äö"),
        ("=?UTF-8?B?4oKs?=", "€"),
        ("=?utf-8?b?4oI=?= =?utf-8?b?rA==?=", "€"),
        // Language suffix (RFC 2231), lowercase encoding letters.
        ("=?utf-8*en?q?hi?=", "hi"),
        // Unknown charset left as written; broken words are not words.
        ("=?x-nonesuch?q?abc?= tail", "=?x-nonesuch?q?abc?= tail"),
        ("=?utf-8?x?abc?=", "=?utf-8?x?abc?="),
        ("=?utf-8?q?unterminated", "=?utf-8?q?unterminated"),
        ("no words here", "no words here"),
        ("=?utf-8?q?bad=ZZescape?=", "bad=ZZescape"),
        ("=?utf-8?q?with space?=", "with space"),
        ("=?gb2312?B?1tDOxA==?=", "中文"),
    ])
    func decodes(encoded: String, expected: String) {
        #expect(EncodedWords.decode(encoded) == expected)
    }

    @Test func foldedSubjectJoinsWordsAcrossLines() {
        let fields = HeaderFields(
            parsing: Array("Subject: =?UTF-8?Q?Sch=C3=B6ne?=\r\n =?UTF-8?Q?_Gr=C3=BC=C3=9Fe?=\r\n\r\n".utf8))
        #expect(EncodedWords.decode(fields["subject"]!) == "Schöne Grüße")
    }
}
