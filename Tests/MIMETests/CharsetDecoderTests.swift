import Testing

@testable import MIME

struct CharsetDecoderTests {
    /// Valid UTF-8 skips the repairing decoder; where the skip stops must be where the decoder would first act.
    @Test(arguments: [
        ([], 0),
        (Array("plain ascii text".utf8), 16),
        ([0x47, 0xC3, 0xBC, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80, 0x41], 11),
        ([0x41, 0xC3], 1),
        ([0x41, 0xE2, 0x82], 1),
        ([0x41, 0xC0, 0x80], 1),
        ([0x41, 0xE0, 0x80, 0x80], 1),
        ([0x41, 0xED, 0xA0, 0x80], 1),
        ([0x41, 0xF4, 0x90, 0x80, 0x80], 1),
        ([0x41, 0xE2, 0x41, 0xAC], 1),
        ([0x41, 0x80], 1),
        ([0xFF], 0),
    ] as [([UInt8], Int)])
    func validPrefixLength(bytes: [UInt8], expected: Int) {
        #expect(bytes.withUnsafeBytes { UTF8Repair.validPrefixLength($0) } == expected)
    }

    @Test(arguments: [
        ("utf-8", [0x47, 0x72, 0xC3, 0xBC, 0xC3, 0x9F], "Grüß"),
        ("UTF8", [0xE2, 0x82, 0xAC], "€"),
        ("us-ascii", [0x41, 0x42], "AB"),
        ("iso-8859-1", [0x43, 0x61, 0x66, 0xE9], "Café"),
        ("latin1", [0xE9], "é"),
        ("ISO_8859-1:1987", [0xE9], "é"),
        ("iso-8859-2", [0xB1, 0xE6], "ąć"),
        ("iso-8859-5", [0xBF, 0xE0, 0xD8], "При"),
        ("iso-8859-7", [0xE1, 0xE2, 0xE3], "αβγ"),
        ("iso-8859-15", [0xA4], "€"),
        ("iso-8859-16", [0xA4], "€"),
        ("windows-1250", [0x8A, 0x9A], "Šš"),
        ("windows-1251", [0xCF, 0xF0, 0xE8], "При"),
        ("cp1252", [0x80, 0x93, 0x94], "€“”"),
        ("windows-1253", [0xE1], "α"),
        ("windows-1254", [0xF0], "ğ"),
        ("windows-1255", [0xF9], "ש"),
        ("windows-1256", [0xC7], "ا"),
        ("windows-1257", [0xE0], "ą"),
        ("windows-1258", [0xC3], "Ă"),
        ("koi8-r", [0xF0, 0xD2, 0xC9, 0xD7, 0xC5, 0xD4], "Привет"),
        ("\"Shift_JIS\"", [0x93, 0xFA, 0x96, 0x7B], "日本"),
        ("iso-2022-jp", [0x1B, 0x24, 0x42, 0x46, 0x7C, 0x4B, 0x5C, 0x1B, 0x28, 0x42], "日本"),
        ("big5", [0xA4, 0xA4, 0xA4, 0xE5], "中文"),
        ("euc-kr", [0xC7, 0xD1], "한"),
        ("utf-16le", [0x41, 0x00, 0xAC, 0x20], "A€"),
    ] as [(String, [UInt8], String)])
    func decodes(label: String, bytes: [UInt8], expected: String) throws {
        #expect(CharsetDecoder.decode(bytes, label: label) == expected)
        // The same, one byte at a time: a character cut by a chunk end waits for the next chunk.
        var decoder = try #require(CharsetDecoder(label: label))
        var output: [UInt8] = []
        Fixtures.inChunks(bytes, of: 1) { decoder.decode($0, into: &output) }
        decoder.finish(into: &output)
        #expect(String(decoding: output, as: UTF8.self) == expected)
    }

    @Test func invalidUTF8BecomesReplacementCharacters() {
        #expect(CharsetDecoder.decode([0x61, 0xFF, 0x62, 0xC3], label: "utf-8") == "a\u{FFFD}b\u{FFFD}")
        #expect(CharsetDecoder.decode([0xED, 0xA0, 0x80], label: "utf-8")?.unicodeScalars.allSatisfy { $0 == "\u{FFFD}" } == true)
        #expect(CharsetDecoder.decode([0xC3, 0x28], label: "utf-8") == "\u{FFFD}(")
    }

    @Test func undeclaredTextFallsBackToWindows1252PerByte() {
        var decoder = CharsetDecoder.lenient
        #expect(decoder.decodeAll([0x47, 0x72, 0xC3, 0xBC, 0xDF, 0x20, 0x80] as [UInt8]) == "Grüß €")
    }

    @Test func invalidBytesInIconvCharsetsAreReplaced() {
        #expect(CharsetDecoder.decode([0x41, 0xFF, 0xFF, 0x42], label: "euc-jp")?.contains("A") == true)
        #expect(CharsetDecoder.decode([0x41, 0x8E], label: "euc-jp")?.hasSuffix("\u{FFFD}") == true)
    }

    @Test(arguments: ["x-nonesuch", "UTF-8//TRANSLIT", "../../etc/passwd", String(repeating: "a", count: 100)])
    func unknownLabels(label: String) {
        #expect(CharsetDecoder(label: label) == nil)
    }
}
