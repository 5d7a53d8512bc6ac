import Testing

@testable import MIME

struct HeaderFieldsTests {
    @Test func unfoldsKeepsOrderAndLooksUpAnyCase() {
        let fields = HeaderFields(
            parsing: Array(
                "Received: from a\r\n\tby b\r\nSubject: hello\r\n  world\r\nX-Empty:\r\nreceived: second\r\n\r\nbody: no\r\n"
                    .utf8))
        #expect(fields.fields.map(\.name) == ["Received", "Subject", "X-Empty", "received"])
        #expect(fields["SUBJECT"] == "hello  world")
        #expect(fields["x-empty"] == "")
        #expect(fields.values("received") == ["from a\tby b", "second"])
        #expect(fields["body"] == nil)
        #expect(fields.fields[1].rawValue == Array(" hello\r\n  world".utf8))
        #expect(fields.problems.isEmpty)
    }

    @Test func bareLineFeedsAndObsoleteSpaceBeforeColon() {
        let fields = HeaderFields(parsing: Array("From : a@b\nTo: c@d\n e@f\n\n".utf8))
        #expect(fields["from"] == "a@b")
        #expect(fields["to"] == "c@d e@f")
        #expect(fields.fields[1].rawValue == Array(" c@d\n e@f".utf8))
    }

    @Test func garbageLinesAreSkippedAndReported() {
        let fields = HeaderFields(parsing: Array(" leading continuation\r\nnot a header\r\nA: 1\r\n: no name\r\nB: 2".utf8))
        #expect(fields.fields.map(\.name) == ["A", "B"])
        #expect(fields["b"] == "2")
        #expect(fields.problems.count == 3)
    }

    static let eightBit: [([UInt8], String)] = [
        (Array("Subject: Gr\u{FC}\u{DF}e caf\u{E9}".utf8), "Grüße café"),
        (Array("Subject: Gr".utf8) + [0xFC, 0xDF] + Array("e ".utf8) + [0x80], "Grüße €"),
    ]

    @Test(arguments: eightBit)
    func rawEightBitValuesAreUTF8ElseWindows1252(bytes: [UInt8], expected: String) {
        #expect(HeaderFields(parsing: bytes)["subject"] == expected)
    }

    @Test func emptyInputHasNoFields() {
        #expect(HeaderFields(parsing: [UInt8]()).fields.isEmpty)
        #expect(HeaderFields(parsing: Array("\r\n".utf8)).fields.isEmpty)
    }
}
