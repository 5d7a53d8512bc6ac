import Testing

@testable import MIME

struct HTMLTextExtractorTests {
    static func text(_ html: String, chunk: Int? = nil, limit: Int = 1 << 20) -> String {
        var extractor = HTMLTextExtractor()
        var output = TextCollector(limit: limit)
        Fixtures.inChunks(Array(html.utf8), of: chunk) { extractor.feed($0, into: &output) }
        extractor.finish(into: &output)
        return output.text()
    }

    @Test(arguments: [
        ("<p>Hello <b>world</b></p>", "Hello world"),
        ("<html><head><title>T</title><style>p { color: red }</style></head><body>A<br>B</body></html>", "T\nA\nB"),
        ("<script type=\"text/javascript\">if (a < b) { x = '</p>'; }</script>Visible", "Visible"),
        ("<SCRIPT>x</SCRIPT >after", "after"),
        ("a <!-- hidden <p> --> b", "a b"),
        ("<!DOCTYPE html><!--[if mso]>x<![endif]-->ok", "ok"),
        ("Fish &amp; chips &lt;3 &quot;q&quot; caf&eacute; &#8364; &#x20AC; &#150;", "Fish & chips <3 \"q\" café € € –"),
        ("unknown &bogus; entity & alone &", "unknown &bogus; entity & alone &"),
        ("a&nbsp;&nbsp;b", "a b"),
        ("<a href=\"x>y\" title='>'>link</a> text", "link text"),
        ("1 < 2 and 3 > 2", "1 < 2 and 3 > 2"),
        ("  lots   of\n\n whitespace\t", "lots of whitespace"),
        ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"),
        ("<img src=x alt=y/>word", "word"),
        ("<script src=x.js/>shown<p>too</p>", "shown\ntoo"),
        ("unterminated <b", "unterminated"),
        ("Grüße <i>aus</i> Köln", "Grüße aus Köln"),
    ])
    func extracts(html: String, expected: String) {
        #expect(Self.text(html) == expected)
        #expect(Self.text(html, chunk: 1) == expected)
    }

    @Test func stopsAtTheLimitOnACharacterBoundary() {
        let text = Self.text("<p>ääää</p>", limit: 5)
        #expect(text == "ää")
    }
}
