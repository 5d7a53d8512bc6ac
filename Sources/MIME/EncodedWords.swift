/// RFC 2047 encoded words (`=?charset?B|Q?text?=`) in header text.
public enum EncodedWords {
    /// Decodes every encoded word in `text`.
    ///
    /// Whitespace between two encoded words is dropped (section 6.2), and adjacent words in the same charset are
    /// joined before conversion, so a character split between two words survives. Words are also found where the
    /// RFC forbids them (inside other words, inside quotes) because mailers put them there. A word in a charset
    /// nothing here knows is left as written.
    public static func decode(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count >= 8, containsMarker(bytes) else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        let lastTerminator = lastTerminator(bytes)
        var run: (charset: String, bytes: [UInt8])?
        var literalStart = 0
        var index = 0
        while index + 1 < bytes.count {
            guard bytes[index] == UInt8(ascii: "="), bytes[index + 1] == UInt8(ascii: "?") else {
                index += 1
                continue
            }
            // Past the last "?=" no word can end: stop, rather than rescan to the end from every "=?".
            guard index < lastTerminator else { break }
            guard let word = parseWord(bytes, at: index) else {
                index += 1
                continue
            }
            let literal = bytes[literalStart..<index]
            let charset = CharsetDecoder.normalize(word.charset)
            let decodable = CharsetDecoder(label: charset) != nil
            if let current = run, !literal.allSatisfy({ $0.isWhitespaceByte }) || !decodable || current.charset != charset {
                flush(current, into: &output)
                run = nil
                if !literal.allSatisfy({ $0.isWhitespaceByte }) || !decodable { output.append(contentsOf: literal) }
            } else if run == nil {
                output.append(contentsOf: literal)
            }
            if decodable {
                let decoded = word.isBase64 ? TransferDecoder.decode(word.text, encoding: .base64) : decodeQ(word.text)
                if run == nil { run = (charset, []) }
                run!.bytes.append(contentsOf: decoded)
            } else {
                output.append(contentsOf: bytes[index..<word.end])
            }
            index = word.end
            literalStart = index
        }
        if let current = run { flush(current, into: &output) }
        output.append(contentsOf: bytes[literalStart...])
        return String(decoding: output, as: UTF8.self)
    }

    private static func lastTerminator(_ bytes: [UInt8]) -> Int {
        var index = bytes.count - 2
        while index >= 0 {
            if bytes[index] == UInt8(ascii: "?"), bytes[index + 1] == UInt8(ascii: "=") { return index }
            index -= 1
        }
        return -1
    }

    private static func containsMarker(_ bytes: [UInt8]) -> Bool {
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: "="), bytes[index + 1] == UInt8(ascii: "?") { return true }
            index += 1
        }
        return false
    }

    private static func flush(_ run: (charset: String, bytes: [UInt8]), into output: inout [UInt8]) {
        let text = CharsetDecoder.decode(run.bytes, label: run.charset) ?? CharsetDecoder.decodeUndeclared(run.bytes)
        output.append(contentsOf: text.utf8)
    }

    struct Word {
        var charset: String
        var isBase64: Bool
        var text: ArraySlice<UInt8>
        var end: Int
    }

    /// `encoded-word = "=?" charset "?" encoding "?" encoded-text "?="` (RFC 2047 section 2), with the
    /// RFC 2231 `*language` suffix allowed on the charset; the text ends at the first `?=`.
    static func parseWord(_ bytes: [UInt8], at start: Int) -> Word? {
        var index = start + 2
        let charsetStart = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "?") {
            let byte = bytes[index]
            guard byte > 0x20, byte < 0x7F, index - charsetStart < 64 else { return nil }
            index += 1
        }
        guard index > charsetStart, index + 3 < bytes.count else { return nil }
        let charset = String(decoding: bytes[charsetStart..<index], as: UTF8.self)
        let isBase64: Bool
        switch bytes[index + 1] {
        case UInt8(ascii: "B"), UInt8(ascii: "b"): isBase64 = true
        case UInt8(ascii: "Q"), UInt8(ascii: "q"): isBase64 = false
        default: return nil
        }
        guard bytes[index + 2] == UInt8(ascii: "?") else { return nil }
        let textStart = index + 3
        var end = textStart
        while end + 1 < bytes.count {
            if bytes[end] == UInt8(ascii: "?"), bytes[end + 1] == UInt8(ascii: "=") {
                return Word(charset: charset, isBase64: isBase64, text: bytes[textStart..<end], end: end + 2)
            }
            end += 1
        }
        return nil
    }

    /// The Q encoding (RFC 2047 section 4.2): `_` is a space, `=XX` a byte; a bad escape stays as written.
    static func decodeQ(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.count)
        var index = text.startIndex
        while index < text.endIndex {
            let byte = text[index]
            if byte == UInt8(ascii: "_") {
                output.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "="), index + 2 < text.endIndex,
                let high = QuotedPrintableDecoder.hexValue(text[index + 1]),
                let low = QuotedPrintableDecoder.hexValue(text[index + 2])
            {
                output.append(high << 4 | low)
                index += 2
            } else {
                output.append(byte)
            }
            index += 1
        }
        return output
    }
}
