import Testing

@testable import MIME

struct MessageIndexerStreamingTests {
    static let fixtures: [[UInt8]] = [
        Fixtures.plain, Fixtures.alternative, Fixtures.htmlOnlyAlternative, Fixtures.mixed, Fixtures.inlineImageOnly,
        Fixtures.base64Body, Fixtures.attachedMessage, Fixtures.headerOnly, Fixtures.bareLF, Fixtures.eightBitHeaders,
        Fixtures.truncated,
    ]

    @Test(arguments: [1, 2, 3, 7, 64, 1000])
    func chunkSizeDoesNotChangeTheSummary(chunk: Int) {
        for message in Self.fixtures {
            #expect(Fixtures.index(message, chunk: chunk) == Fixtures.index(message))
        }
    }

    @Test func longLinesAcrossChunksGiveTheSameSummary() {
        let long = String(repeating: "word ", count: 3000)
        let message = Fixtures.crlf(
            "Subject: \(long)\nContent-Type: multipart/mixed; boundary=q\n\n--q\n\n\(long)\n--q\nContent-Type: text/html\n\n<p>\(long)</p>\n--q--\n")
        let whole = Fixtures.index(message)
        #expect(whole.subject?.count == long.count - 1)
        #expect(whole.bodyText.count > 2 * (long.count - 1))
        for chunk in [1, 100, 4095, 4096, 4097, 65536] {
            #expect(Fixtures.index(message, chunk: chunk) == whole)
        }
    }

    /// Body lines are taken in runs up to the next line that starts with "--": such lines, dashes elsewhere and
    /// a delimiter cut by a chunk end must read the same at every chunk size.
    @Test func dashesInBodiesAtEveryChunkSize() {
        let message = Fixtures.crlf(
            """
            Content-Type: multipart/mixed; boundary="b-1"

            --b-1
            Content-Type: text/plain

            well-known - dashes -- mid line -
            --not the boundary
            -- 
            Signature
            --b-1x
            -
            --b-1
            Content-Type: application/octet-stream
            Content-Transfer-Encoding: base64

            AAAA-BBBB
            --b-1 \t
            Content-Type: text/html

            <p>after</p>
            --b-1--
            epilogue
            """)
        let whole = Fixtures.index(message)
        let expected = "well-known - dashes -- mid line -\n--not the boundary\n-- \nSignature\n--b-1x\n-\nafter"
        #expect(whole.bodyText == expected)
        #expect(whole.hasAttachments)
        #expect(whole.problems.isEmpty)
        for chunk in 1...message.count {
            #expect(Fixtures.index(message, chunk: chunk) == whole, "chunk \(chunk)")
        }
    }

    /// A 20 MB attachment fed in 64 KiB chunks: what the indexer keeps must not grow with it.
    @Test func bigAttachmentKeepsMemoryBounded() {
        let head = Fixtures.crlf(
            """
            Subject: big
            Content-Type: multipart/mixed; boundary="big-boundary"

            --big-boundary
            Content-Type: text/plain

            The attachment follows.
            --big-boundary
            Content-Type: application/zip; name="big.zip"
            Content-Transfer-Encoding: base64


            """)
        let line = Array(String(repeating: "QUJDRA", count: 12).utf8) + [0x0D, 0x0A]
        var chunk: [UInt8] = []
        while chunk.count + line.count <= 64 * 1024 { chunk += line }
        var indexer = MessageIndexer()
        indexer.feed(head)
        var fed = head.count
        var peak = 0
        while fed < 20 * 1024 * 1024 {
            indexer.feed(chunk)
            fed += chunk.count
            peak = max(peak, indexer.retainedBytes)
        }
        indexer.feed(Fixtures.crlf("\n--big-boundary\nContent-Type: text/plain\n\nAfter the attachment.\n--big-boundary--\n"))
        let summary = indexer.finish()
        #expect(summary.hasAttachments)
        #expect(summary.bodyText == "The attachment follows.\nAfter the attachment.")
        #expect(summary.problems.isEmpty)
        #expect(peak < 64 * 1024, "retained \(peak) bytes while streaming 20 MB")
    }

    /// A huge text part: the text limit holds, and nothing past it is buffered.
    @Test func textBeyondTheLimitIsDropped() {
        var indexer = MessageIndexer(limits: .init(maxTextBytes: 10_000))
        indexer.feed(Fixtures.crlf("Subject: long\nContent-Type: text/plain; charset=utf-8\n\n"))
        let line = Fixtures.crlf(String(repeating: "äöü ", count: 20) + "\n")
        var peak = 0
        for _ in 0..<50_000 {
            indexer.feed(line)
            peak = max(peak, indexer.retainedBytes)
        }
        let summary = indexer.finish()
        #expect(summary.bodyText.utf8.count <= 10_000)
        #expect(summary.bodyText.utf8.count > 9_990)
        #expect(summary.bodyTextTruncated)
        #expect(peak < 100_000)
    }

    @Test func oneHugeChunkWithoutLineEnds() {
        var bytes = Fixtures.crlf("Content-Type: text/plain\n\n")
        bytes += [UInt8](repeating: UInt8(ascii: "x"), count: 3_000_000)
        let summary = Fixtures.index(bytes)
        #expect(summary.bodyText.utf8.count == 1024 * 1024)
        #expect(Fixtures.index(bytes, chunk: 65536) == summary)
    }

    @Test func headerLimitHolds() {
        var bytes = Fixtures.crlf("Subject: s\n")
        for index in 0..<20_000 { bytes += Fixtures.crlf("X-Junk-\(index): \(String(repeating: "j", count: 40))\n") }
        bytes += Fixtures.crlf("From: late@example.com\n\nbody\n")
        var indexer = MessageIndexer(limits: .init(maxHeaderBytes: 64 * 1024))
        indexer.feed(bytes)
        #expect(indexer.retainedBytes < 100_000)
        let summary = indexer.finish()
        #expect(summary.subject == "s")
        #expect(summary.from.isEmpty)
        #expect(summary.bodyText == "body")
        #expect(summary.problems == ["header: block longer than 65536 bytes, rest skipped"])
    }

    @Test func depthAndPartLimits() {
        var message = ""
        for level in 0..<40 { message += "Content-Type: multipart/mixed; boundary=b\(level)\n\n--b\(level)\n" }
        message += "Content-Type: text/plain\n\ndeep\n"
        let deep = Fixtures.index(Fixtures.crlf(message))
        #expect(deep.bodyText == "")
        #expect(deep.problems.contains("mime: nested deeper than 32, inner parts skipped"))

        var many = "Content-Type: multipart/mixed; boundary=m\n\n"
        for index in 0..<1500 { many += "--m\nContent-Type: text/plain\n\np\(index)\n" }
        many += "--m--\n"
        let wide = Fixtures.index(Fixtures.crlf(many))
        #expect(wide.bodyText.hasSuffix("p999"))
        #expect(wide.problems == ["multipart: more than 1000 parts, rest skipped"])
    }

    /// Thousands of mutations of the fixtures, fed in random chunk sizes: never a crash, always a summary, and
    /// the same summary whatever the chunking.
    @Test func mutatedMessagesNeverCrash() {
        var random = SplitMix64(seed: 0x6D61_696C_6665_7272)
        let tokens: [[UInt8]] = [
            Array("--".utf8), Array("\r\n".utf8), Array("\n".utf8), Array("=?utf-8?b?".utf8), Array("?=".utf8),
            Array("=".utf8), Array("<".utf8), Array(">".utf8), Array("\"".utf8), Array("(".utf8), Array(";".utf8),
            Array("Content-Type: multipart/mixed; boundary=".utf8), Array("Content-Transfer-Encoding: base64\r\n".utf8),
            Array("&#".utf8), Array("<script>".utf8), Array("--outer".utf8), Array("--alt-boundary".utf8), [0], [0xFF],
            [0xC3], [0xE2, 0x82], Array("charset=iso-2022-jp".utf8), Array("message/rfc822".utf8),
        ]
        for iteration in 0..<3000 {
            var message = Self.fixtures[Int(random.next() % UInt64(Self.fixtures.count))]
            let edits = 1 + Int(random.next() % 8)
            for _ in 0..<edits {
                let position = message.isEmpty ? 0 : Int(random.next() % UInt64(message.count))
                switch random.next() % 5 {
                case 0 where !message.isEmpty:
                    message[position] = UInt8(truncatingIfNeeded: random.next())
                case 1:
                    message.insert(contentsOf: tokens[Int(random.next() % UInt64(tokens.count))], at: position)
                case 2 where !message.isEmpty:
                    message.removeSubrange(position..<min(message.count, position + Int(random.next() % 64)))
                case 3:
                    message = Array(message[..<position])
                default:
                    let start = message.isEmpty ? 0 : Int(random.next() % UInt64(message.count))
                    message.insert(contentsOf: message[start..<min(message.count, start + 40)], at: position)
                }
            }
            let whole = Fixtures.index(message)
            let chunk = 1 + Int(random.next() % 97)
            let chunked = Fixtures.index(message, chunk: chunk)
            #expect(whole == chunked, "iteration \(iteration), chunk \(chunk)")
            if whole != chunked { return }
        }
    }
}

/// A small deterministic PRNG, so that the fuzz test fails the same way every time.
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct HostileHeaderTests {
    /// Header values shaped to make a naive parser quadratic; each must be read in linear time.
    static let values: [(String, String)] = [
        ("Subject", String(repeating: "=?utf-8?q?", count: 20_000)),
        ("Subject", String(repeating: "=?u?x?", count: 30_000) + "?="),
        ("To", "a@b" + String(repeating: ":", count: 150_000)),
        ("Content-Type", "text/plain" + (0..<20_000).map { "; p\($0)=v" }.joined()),
        ("Content-Type", "text/plain" + (0..<20_000).map { "; name*\($0)*=v" }.joined()),
        ("Date", String(repeating: "(", count: 100_000)),
        ("From", String(repeating: "\"", count: 100_001)),
    ]

    @Test(arguments: values)
    func pathologicalHeadersAreReadQuickly(name: String, value: String) {
        let message = Fixtures.crlf("\(name): \(value)\n\nbody\n")
        let clock = ContinuousClock()
        var summary = MessageSummary()
        let elapsed = clock.measure { summary = Fixtures.index(message) }
        #expect(summary.bodyText == "body")
        #expect(elapsed < .seconds(5), "\(name) took \(elapsed)")
    }
}
