import IMAPCore
import NIOCore
import Testing

@Suite struct ResponseParserLimitsTests {
    static let small = ResponseParser.Limits.small(line: 1000, inlineLiteral: 100, depth: 8, bodyChunk: 16)

    @Test func lineTooLong() {
        let line = "* OK " + String(repeating: "x", count: 2000) + "\n"
        #expect(parse(line, limits: Self.small).error == .lineTooLong(actual: 2007, maximum: 1000))
    }

    @Test func lineTooLongIsNoticedBeforeItsEnd() throws {
        var parser = ResponseParser(limits: Self.small)
        var buffer = ByteBuffer(string: "* OK " + String(repeating: "x", count: 995))
        #expect(throws: ParseError.lineTooLong(actual: 1000, maximum: 1000)) { try parser.next(&buffer) }
    }

    @Test func longestLineIsAccepted() {
        let line = "* OK " + String(repeating: "x", count: 993) + "\n"
        #expect(parse(line, limits: Self.small).events == [ok(String(repeating: "x", count: 993))])
    }

    @Test func inlinedLiteralsCountTowardsTheLine() {
        let name = String(repeating: "n", count: 90)
        let text = "* LIST () \"/\" {?}\n<<\(name)>>\n"
        var limits = Self.small
        limits.maximumLineLength = 100
        #expect(parse(text, limits: limits).error == .lineTooLong(actual: 110, maximum: 100))
        #expect(parse(text, limits: Self.small).error == nil)
    }

    @Test func literalTooLargeBeforeItsBytesArrive() throws {
        var parser = ResponseParser(limits: Self.small)
        var buffer = ByteBuffer(string: "* LIST () \"/\" {101}\r\n")
        #expect(throws: ParseError.literalTooLarge(actual: 101, maximum: 100)) { try parser.next(&buffer) }
    }

    @Test func literalTooLargeInsideFetch() {
        let text = "* 1 FETCH (UID 1 ENVELOPE (NIL {200}\n"
        let outcome = parse(text, limits: Self.small)
        #expect(outcome.events == [.fetchStart(sequence: 1), .fetchAttribute(.uid(1))])
        #expect(outcome.error == .literalTooLarge(actual: 200, maximum: 100))
    }

    @Test func bodyLiteralsAreNotInlineLiterals() {
        let message = String(repeating: "m", count: 5000)
        let outcome = parse("* 1 FETCH (BODY[] {?}\n<<\(message)>>)\n", limits: Self.small)
        #expect(outcome.error == nil)
        #expect(outcome.events == fetch(1, body("", message)))
    }

    @Test func tooDeep() {
        let nested = String(repeating: "(", count: 9) + String(repeating: ")", count: 9)
        #expect(parse("* 1 FETCH (BODYSTRUCTURE \(nested))\n", limits: Self.small).error == .tooDeep(maximum: 8))
        #expect(parse("* LIST () \"/\" x (\"X\" \(nested))\n", limits: Self.small).error == .tooDeep(maximum: 8))
        let shallow = String(repeating: "(", count: 8) + String(repeating: ")", count: 8)
        #expect(parse("* 1 FETCH (BODYSTRUCTURE \(shallow))\n", limits: Self.small).error == nil)
    }

    @Test func deepNestingWithDefaultLimitsDoesNotOverflowTheStack() {
        let nested = String(repeating: "(", count: 100_000)
        let outcome = parse("* 1 FETCH (BODYSTRUCTURE \(nested)\n")
        #expect(outcome.error == .tooDeep(maximum: 64))
    }

    static let numbers: [(String, ParseOutcome)] = [
        ("* 4294967295 EXISTS\n", ParseOutcome(events: [.untagged(.exists(4_294_967_295))], error: nil, leftover: 0)),
        (
            "* 4294967296 EXISTS\n",
            ParseOutcome(events: [], error: .invalid(rule: "nz-number", line: "* 4294967296 EXISTS"), leftover: 21)
        ),
        (
            "* 1 FETCH (UID 4294967296)\n",
            ParseOutcome(
                events: [.fetchStart(sequence: 1)], error: .invalid(rule: "uniqueid", line: "UID 4294967296)"),
                leftover: 17)
        ),
        (
            "* 1 FETCH (MODSEQ (18446744073709551615))\n",
            ParseOutcome(events: fetch(1, [.fetchAttribute(.modSeq(UInt64.max))]), error: nil, leftover: 0)
        ),
        (
            "* 1 FETCH (MODSEQ (18446744073709551616))\n",
            ParseOutcome(
                events: [.fetchStart(sequence: 1)],
                error: .invalid(rule: "permsg-modsequence", line: "MODSEQ (18446744073709551616))"), leftover: 32)
        ),
        (
            "* SEARCH 1 99999999999\n",
            ParseOutcome(events: [], error: .invalid(rule: "nz-number", line: "* SEARCH 1 99999999999"), leftover: 24)
        ),
        (
            "* LIST () \"/\" {99999999999999999999}\n",
            ParseOutcome(events: [], error: .invalid(rule: "literal", line: "99999999999999999999"), leftover: 38)
        ),
    ]

    @Test func numbersOutOfRange() {
        for (text, expected) in Self.numbers {
            #expect(parse(text) == expected, "\(text)")
        }
    }
}
