import Archives
import Testing

/// The mbox splitter: separators, unquoting per variant, any chunk size.
struct MboxSplitterTests {
    static func split(_ text: String, _ variant: MboxSplitter.Variant, chunk: Int) throws -> [(MboxFromLine, String)] {
        var splitter = MboxSplitter(variant: variant)
        var messages: [(MboxFromLine, [UInt8])] = []
        let handle: (MboxSplitter.Event) throws -> Void = { event in
            switch event {
            case .start(let line): messages.append((line, []))
            case .bytes(let bytes): messages[messages.count - 1].1 += Array(bytes)
            case .end: break
            }
        }
        let bytes = Array(text.utf8)
        for start in stride(from: 0, to: bytes.count, by: chunk) {
            try bytes[start..<min(start + chunk, bytes.count)].withUnsafeBytes { try splitter.feed($0, handle) }
        }
        try splitter.finish(handle)
        return messages.map { ($0.0, String(decoding: $0.1, as: UTF8.self)) }
    }

    static let mbox = """
        From alice@example.org Tue Jan  2 15:04:05 2024
        Subject: one

        >From a quote
        >>From two
        From not a separator: no empty line before
        
        From this line has no date
        
        From bob@example.org Wed Feb  7 08:09:10 +0100 2001
        Subject: two

        body
        
        """

    @Test(arguments: [1, 2, 7, 64, 4096]) func splitsAtDatedFromLinesAfterEmptyLines(chunk: Int) throws {
        let rd = try Self.split(Self.mbox, .mboxrd, chunk: chunk)
        #expect(rd.count == 2)
        #expect(rd[0].1 == "Subject: one\n\nFrom a quote\n>From two\nFrom not a separator: no empty line before\n\nFrom this line has no date\n")
        #expect(rd[0].0.sender == "alice@example.org" && rd[0].0.year == 2024 && rd[0].0.day == 2 && rd[0].0.second == 5)
        #expect(rd[1].0.zoneMinutes == 60 && rd[1].0.year == 2001)
        #expect(rd[1].1 == "Subject: two\n\nbody\n")
        let o = try Self.split(Self.mbox, .mboxo, chunk: chunk)
        #expect(o[0].1.contains("\nFrom a quote\n>>From two\n"), "mboxo keeps deeper quotes")
    }

    @Test func notAnMboxAndCROnlyAreRecognised() throws {
        #expect(throws: MboxSplitter.NotAnMbox(lineEndsInCROnly: false)) { try Self.split("Subject: x\n\nbody\n", .mboxrd, chunk: 10) }
        #expect(throws: MboxSplitter.NotAnMbox(lineEndsInCROnly: true)) {
            try Self.split("From a Tue Jan  2 15:04:05 2024\rSubject: x\r\rbody\r", .mboxrd, chunk: 10)
        }
        #expect(throws: MboxSplitter.NotAnMbox(lineEndsInCROnly: false)) { try Self.split("", .mboxrd, chunk: 10) }
    }

    @Test func aLongLinePassesThroughWithoutBeingHeld() throws {
        let long = String(repeating: "x", count: 100_000)
        let messages = try Self.split("From a Tue Jan  2 15:04:05 2024\nSubject: x\n\nFrom " + long + "\n", .mboxrd, chunk: 4096)
        #expect(messages.count == 1 && messages[0].1.count == 100_000 + 18)
    }
}
