import Archives
import Testing

/// mboxrd quoting is a bijection on lines: table cases, and every way of cutting the input into chunks.
struct MboxQuotingTests {
    static let cases: [(original: String, quoted: String)] = [
        ("From here\n", ">From here\n"),
        (">From here\n", ">>From here\n"),
        (">>From here\r\n", ">>>From here\r\n"),
        ("a\nFrom b\n>From c\n>>From d\nFrom", "a\n>From b\n>>From c\n>>>From d\nFrom"),
        ("From \n", ">From \n"),
        ("From", "From"),
        (">Fro\n>From ", ">Fro\n>>From "),
        (">Fro\n>From", ">Fro\n>From"),
        ("x From y\n", "x From y\n"),
        (" From y\n", " From y\n"),
        ("From:  header\n", "From:  header\n"),
        (">>>>\n>>From ", ">>>>\n>>>From "),
        ("from lower\n", "from lower\n"),
        ("\n\nFrom \r\nFrom ", "\n\n>From \r\n>From "),
        ("", ""),
        ("\rFrom x\n", "\rFrom x\n"),
    ]

    static func run(_ direction: MboxQuoting.Direction, _ input: [UInt8], cuts: [Int]) -> [UInt8] {
        var quoting = MboxQuoting(direction)
        var output: [UInt8] = []
        var start = 0
        for cut in cuts + [input.count] where cut >= start {
            quoting.process(Array(input[start..<cut]), into: &output)
            start = cut
        }
        quoting.finish(into: &output)
        return output
    }

    @Test(arguments: 0..<cases.count) func quotesAndUnquotesInAnyChunking(_ index: Int) {
        let (original, quoted) = Self.cases[index]
        let plain = Array(original.utf8)
        let marked = Array(quoted.utf8)
        #expect(Self.run(.quote, plain, cuts: []) == marked)
        #expect(Self.run(.unquote, marked, cuts: []) == plain)
        for cut in 0...plain.count {
            #expect(Self.run(.quote, plain, cuts: [cut]) == marked, "cut at \(cut)")
        }
        for cut in 0...marked.count {
            #expect(Self.run(.unquote, marked, cuts: [cut]) == plain, "cut at \(cut)")
        }
        // One byte at a time.
        #expect(Self.run(.quote, plain, cuts: Array(0...plain.count)) == marked)
        #expect(Self.run(.unquote, marked, cuts: Array(0...marked.count)) == plain)
    }

    @Test func randomLinesRoundTrip() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        let pieces: [[UInt8]] = [">", "From ", "Fro", "\n", "\r\n", "x", " ", "F"].map { Array($0.utf8) }
        for _ in 0..<500 {
            var input: [UInt8] = []
            for _ in 0..<(next() % 40) { input += pieces[Int(next() % UInt64(pieces.count))] }
            let cuts = (0..<3).map { _ in Int(next() % UInt64(input.count + 1)) }.sorted()
            let quoted = Self.run(.quote, input, cuts: cuts)
            #expect(Self.run(.unquote, quoted, cuts: cuts.reversed().map { min($0, quoted.count) }.sorted()) == input)
            // No line of the quoted text is a From line.
            #expect(!quoted.split(separator: 0x0A, omittingEmptySubsequences: false).contains { $0.starts(with: Array("From ".utf8)) })
        }
    }
}
