import MIME

/// Message fixtures for the indexer tests, written with LF and sent as CRLF unless a test says otherwise.
enum Fixtures {
    static func crlf(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for byte in text.utf8 {
            if byte == 0x0A { bytes.append(0x0D) }
            bytes.append(byte)
        }
        return bytes
    }

    /// Calls `body` with consecutive pieces of `bytes` of `size` bytes (all at once when nil).
    static func inChunks(_ bytes: [UInt8], of size: Int?, _ body: (UnsafeRawBufferPointer) -> Void) {
        let size = size ?? max(1, bytes.count)
        var start = 0
        while start < bytes.count {
            let end = min(start + size, bytes.count)
            bytes[start..<end].withUnsafeBytes(body)
            start = end
        }
    }

    static func index(_ bytes: [UInt8], chunk: Int? = nil, limits: MessageIndexer.Limits = .init()) -> MessageSummary {
        var indexer = MessageIndexer(limits: limits)
        inChunks(bytes, of: chunk) { indexer.feed($0) }
        return indexer.finish()
    }

    static let plain = crlf(
        """
        Return-Path: <alice@example.com>
        Message-ID: <1234.5678@mail.example.com>
        Date: Mon, 02 Jan 2006 15:04:05 +0000
        From: Alice Example <alice@example.com>
        To: Bob <bob@example.org>, carol@example.net
        Cc: "Doe, Dave" <dave@example.com>
        Subject: Lunch
         tomorrow?
        MIME-Version: 1.0
        Content-Type: text/plain; charset=us-ascii

        Shall we meet at noon?

        -- 
        Alice

        """)

    static let alternative = crlf(
        """
        From: news@example.com
        To: you@example.com
        Subject: =?UTF-8?Q?Newsletter_f=C3=BCr?= =?UTF-8?Q?_Januar?=
        Message-ID: <news-1@example.com>
        Date: 2 Jan 2006 16:04 +0100
        MIME-Version: 1.0
        Content-Type: multipart/alternative; boundary="alt-boundary"

        This is a multi-part message in MIME format.
        --alt-boundary
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: quoted-printable

        Gr=C3=BC=C3=9Fe aus K=C3=B6ln, this line is soft=
         broken.
        --alt-boundary
        Content-Type: text/html; charset=utf-8

        <html><body><p>HTML only words</p></body></html>
        --alt-boundary--
        Epilogue text is not indexed.

        """)

    static let htmlOnlyAlternative = crlf(
        """
        Subject: html
        Content-Type: multipart/alternative; boundary=b

        --b
        Content-Type: text/plain

        \("")
        --b
        Content-Type: text/html; charset=iso-8859-1
        Content-Transfer-Encoding: quoted-printable

        <p>Caf=E9 &amp; cr=E8me</p>
        --b--

        """)

    static let mixed = crlf(
        """
        From: =?ISO-8859-1?Q?Andr=E9?= <andre@example.fr>
        To: Team: a@example.com, b@example.com;
        Subject: =?windows-1252?Q?Rapport_=93final=94?=
        Date: Tue, 3 Jun 2008 11:05:30 GMT
        Message-ID: <mixed@example.fr>
        Content-Type: multipart/mixed; boundary="outer"

        --outer
        Content-Type: multipart/related; boundary="inner"

        --inner
        Content-Type: text/html; charset="windows-1252"
        Content-Transfer-Encoding: 8bit

        <p>Voir le rapport ci-joint.</p><img src="cid:logo">
        --inner
        Content-Type: image/png
        Content-ID: <logo>
        Content-Disposition: inline
        Content-Transfer-Encoding: base64

        iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==
        --inner--

        --outer
        Content-Type: application/pdf
        Content-Disposition: attachment; filename*=UTF-8''Rapport%20%C3%A9t%C3%A9.pdf
        Content-Transfer-Encoding: base64

        JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFIvRmlsdGVyIC9GbGF0ZURlY29kZT4+
        --outer
        Content-Type: text/plain; name="notes.txt"
        Content-Disposition: attachment; filename="notes.txt"

        attached text is not body text
        --outer--

        """)

    static let inlineImageOnly = crlf(
        """
        Subject: inline
        Content-Type: multipart/related; boundary=r

        --r
        Content-Type: text/plain

        see picture
        --r
        Content-Type: image/gif
        Content-ID: <x>

        R0lGODlh
        --r--

        """)

    static let base64Body = crlf(
        """
        Subject: =?KOI8-R?B?8NLJ18XU?=
        Content-Type: text/plain; charset=koi8-r
        Content-Transfer-Encoding: base64

        8NLJ18XU
        LCDNydI=

        """)

    static let attachedMessage = crlf(
        """
        Subject: Fwd: original
        Content-Type: multipart/mixed; boundary="fwd"

        --fwd
        Content-Type: text/plain

        See below.
        --fwd
        Content-Type: message/rfc822

        From: orig@example.com
        Subject: original
        Content-Type: multipart/alternative; boundary="orig-alt"

        --orig-alt
        Content-Type: text/plain

        Original words.
        --orig-alt--
        --fwd--

        """)

    static let headerOnly = crlf(
        """
        From: someone@example.com
        Subject: nothing else
        """)

    static let bareLF = Array(
        """
        From: lf@example.com
        Subject: bare line feeds
        Content-Type: multipart/mixed; boundary=lf

        --lf
        Content-Type: text/plain

        first part
        --lf\t\u{20}
        Content-Type: text/plain

        second part
        --lf--

        """.utf8)

    static let eightBitHeaders: [UInt8] =
        Array("From: J".utf8) + [0xF6] + Array("rg <j@example.de>\r\nSubject: Gr".utf8) + [0xFC, 0xDF, 0x65]
        + Array("\r\nTo: \u{41C}\u{438}\u{440} <mir@example.ru>\r\n\r\nK".utf8) + [0xF6] + Array("rper\r\n".utf8)

    static let truncated = crlf(
        """
        Subject: cut short
        Content-Type: multipart/mixed; boundary="cut"

        --cut
        Content-Type: text/plain

        text before the cut
        --cut
        Content-Type: application/octet-stream; name="big.bin"
        Content-Transfer-Encoding: base64

        AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v
        MDEyMzQ1Njc4OTo7PD0-
        """)
}
