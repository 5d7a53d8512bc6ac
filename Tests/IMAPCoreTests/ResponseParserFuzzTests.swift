import IMAPCore
import NIOCore
import Testing

/// Mutated valid responses: the parser must never crash or spin, and every input must end in
/// events (possibly waiting for more bytes) or a typed `ParseError`, the same whether it arrives
/// whole or in pieces.
@Suite struct ResponseParserFuzzTests {
    static let seeds: [[UInt8]] = {
        let singles =
            (ResponseParserTests.conditions + ResponseParserTests.codes + ResponseParserTests.mailboxData
            + ResponseParserTests.fetches).map { wire($0.text) }
        return singles + ServerTranscripts.all.map { wire($0.text) }
    }()

    static let tight = ResponseParser.Limits.small(line: 300, inlineLiteral: 40, depth: 4, bodyChunk: 7)

    static let interesting: [[UInt8]] = [
        "{", "}", "{5}\r\n", "{0}\r\n", "{999999}\r\n", "~{3}\r\n", "{18446744073709551616}\r\n", "\r\n", "\n", "\r",
        "(", ")", "((((((((", "\"", "\\", "[", "]", "<", ">", " ", "NIL", "*", "+", "99999999999999999999999",
        "4294967296", "BODY[] ", "FETCH (", "\u{0}", "\u{FF}",
    ].map { Array($0.utf8) }

    static func mutate(_ input: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<(1 + Int(random.next() % 3)) {
            let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
            switch random.next() % 7 {
            case 0:  // flip a byte
                if !bytes.isEmpty { bytes[position] = UInt8(truncatingIfNeeded: random.next()) }
            case 1:  // truncate
                bytes = Array(bytes[..<position])
            case 2:  // delete a run
                let end = min(bytes.count, position + Int(random.next() % 8))
                bytes.removeSubrange(position..<end)
            case 3, 4:  // insert something with meaning to the grammar
                let insert = interesting[Int(random.next() % UInt64(interesting.count))]
                bytes.insert(contentsOf: insert, at: position)
            case 5:  // a literal whose size is wrong
                let size = Int(random.next() % 20)
                bytes.insert(contentsOf: Array("{\(size)}\r\n".utf8), at: position)
            default:  // duplicate a run
                let end = min(bytes.count, position + Int(random.next() % 32))
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            }
        }
        return bytes
    }

    @Test func mutatedResponsesEndInEventsOrTypedErrors() {
        var random = SplitMix64(seed: 20_240_917)
        var errors = 0
        var clean = 0
        let iterations = 20_000
        for iteration in 0..<iterations {
            let seed = Self.seeds[Int(random.next() % UInt64(Self.seeds.count))]
            // Long transcripts are cut to a window, so that every iteration stays cheap.
            let start = seed.count > 400 ? Int(random.next() % UInt64(seed.count - 300)) : 0
            let input = Self.mutate(Array(seed[start..<min(seed.count, start + 400)]), &random)
            let limits = iteration % 3 == 0 ? Self.tight : ResponseParser.Limits()
            let whole = parse(input, limits: limits)
            if whole.error != nil { errors += 1 } else { clean += 1 }
            if iteration % 10 == 0 {
                let step = 1 + Int(random.next() % 9)
                let dripped = parse(input, step: step, limits: limits)
                // Only what was left unread may differ: a piecewise feed stops at the error.
                #expect(dripped.events == whole.events, "\(input) step \(step)")
                #expect(comparable(dripped.error) == comparable(whole.error), "\(input) step \(step)")
            }
        }
        // Both outcomes must be common, or the mutations are not exercising the parser.
        #expect(errors > iterations / 10)
        #expect(clean > iterations / 10)
    }

    /// A line found too long is reported with the bytes seen so far, which depends on how they came.
    func comparable(_ error: ParseError?) -> ParseError? {
        guard case .lineTooLong(_, let maximum) = error else { return error }
        return .lineTooLong(actual: 0, maximum: maximum)
    }

    @Test func randomBytes() {
        var random = SplitMix64(seed: 7)
        for _ in 0..<3000 {
            let count = Int(random.next() % 200)
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            _ = parse(bytes)
            _ = parse(Array("* 1 FETCH (".utf8) + bytes)
        }
    }
}
