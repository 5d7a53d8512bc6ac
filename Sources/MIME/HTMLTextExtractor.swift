/// The readable text of HTML, streamed: tags dropped, script and style skipped, entities decoded, whitespace
/// collapsed, block elements turned into line breaks. Works on UTF-8, chunk by chunk, with bounded state.
///
/// Not an HTML parser: search needs the words, not the tree, and broken markup only costs a few stray words.
struct HTMLTextExtractor {
    enum State {
        case text
        /// After `<`.
        case tagOpen
        case tagName
        /// Inside a tag after its name, possibly in a quoted attribute value.
        case tagBody(quote: UInt8)
        /// After `<!`, counting the dashes of a possible `<!--`.
        case bang(dashes: Int)
        case comment(dashes: Int)
        /// `<!DOCTYPE ...>`, `<?xml ...?>`, `<![if ...]>`: skipped to `>`.
        case declaration
        case entity
        /// Inside script or style, looking for its end tag.
        case rawText(matched: Int)
    }

    private var state = State.text
    private var tagName: [UInt8] = []
    private var isEndTag = false
    private var entity: [UInt8] = []
    private var rawTextEnd: [UInt8] = []
    private var pendingSpace = false
    private var atLineStart = true
    /// The last byte of the previous input, so that a `/>` split between two inputs still closes its tag.
    private var previousInputByte: UInt8 = 0

    mutating func feed(_ input: UnsafeRawBufferPointer, into output: inout TextCollector) {
        var index = 0
        let count = input.count
        defer { if count > 0 { previousInputByte = input[count - 1] } }
        while index < count {
            if output.isFull { return }
            let byte = input[index]
            switch state {
            case .text:
                switch byte {
                case UInt8(ascii: "<"):
                    state = .tagOpen
                case UInt8(ascii: "&"):
                    entity.removeAll(keepingCapacity: true)
                    state = .entity
                case 0x20, 0x09, 0x0A, 0x0D, 0x0C, 0:
                    pendingSpace = true
                default:
                    var end = index + 1
                    while end < count, Self.isPlainText(input[end]) { end += 1 }
                    emit(UnsafeRawBufferPointer(rebasing: input[index..<end]), into: &output)
                    index = end
                    continue
                }
            case .tagOpen:
                tagName.removeAll(keepingCapacity: true)
                isEndTag = false
                if byte == UInt8(ascii: "/") {
                    isEndTag = true
                    state = .tagName
                } else if byte == UInt8(ascii: "!") {
                    state = .bang(dashes: 0)
                } else if byte == UInt8(ascii: "?") {
                    state = .declaration
                } else if Self.isLetter(byte) {
                    tagName.append(byte | 0x20)
                    state = .tagName
                } else {
                    // A lone `<` in text, as in "a < b".
                    emit(byte: UInt8(ascii: "<"), into: &output)
                    state = .text
                    continue
                }
            case .tagName:
                if Self.isLetter(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) {
                    if tagName.count < 16 { tagName.append(byte | 0x20) }
                } else {
                    state = .tagBody(quote: 0)
                    continue
                }
            case .tagBody(let quote):
                if quote != 0 {
                    if byte == quote { state = .tagBody(quote: 0) }
                } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    state = .tagBody(quote: byte)
                } else if byte == UInt8(ascii: ">") {
                    let previous = index > 0 ? input[index - 1] : previousInputByte
                    endTag(selfClosing: previous == UInt8(ascii: "/"), into: &output)
                }
            case .bang(let dashes):
                if byte == UInt8(ascii: "-") {
                    state = dashes == 1 ? .comment(dashes: 0) : .bang(dashes: dashes + 1)
                } else {
                    state = .declaration
                    continue
                }
            case .comment(let dashes):
                if byte == UInt8(ascii: "-") {
                    state = .comment(dashes: dashes + 1)
                } else if byte == UInt8(ascii: ">") && dashes >= 2 {
                    state = .text
                } else {
                    state = .comment(dashes: 0)
                }
            case .declaration:
                if byte == UInt8(ascii: ">") { state = .text }
            case .entity:
                if Self.isLetter(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || (byte == UInt8(ascii: "#") && entity.isEmpty)
                {
                    entity.append(byte)
                    if entity.count > 32 {
                        emitLiteralEntity(into: &output)
                        state = .text
                    }
                } else {
                    let terminated = byte == UInt8(ascii: ";")
                    resolveEntity(terminated: terminated, into: &output)
                    state = .text
                    if !terminated { continue }
                }
            case .rawText(let matched):
                if byte | (matched >= 2 ? 0x20 : 0) == rawTextEnd[matched] {
                    if matched + 1 == rawTextEnd.count {
                        tagName.removeAll(keepingCapacity: true)
                        state = .tagBody(quote: 0)
                    } else {
                        state = .rawText(matched: matched + 1)
                    }
                } else {
                    state = .rawText(matched: byte == UInt8(ascii: "<") ? 1 : 0)
                }
            }
            index += 1
        }
    }

    mutating func finish(into output: inout TextCollector) {
        if case .entity = state { emitLiteralEntity(into: &output) }
        state = .text
    }

    private mutating func endTag(selfClosing: Bool, into output: inout TextCollector) {
        state = .text
        if !isEndTag && !selfClosing && (tagName == Self.script || tagName == Self.style) {
            rawTextEnd = [UInt8(ascii: "<"), UInt8(ascii: "/")] + tagName
            state = .rawText(matched: 0)
            return
        }
        if Self.blockTags.contains(tagName) {
            lineBreak(into: &output)
        } else if Self.cellTags.contains(tagName) {
            pendingSpace = true
        }
    }

    private mutating func lineBreak(into output: inout TextCollector) {
        pendingSpace = false
        if !atLineStart {
            output.append(byte: UInt8(ascii: "\n"))
            atLineStart = true
        }
    }

    private mutating func emit(_ text: UnsafeRawBufferPointer, into output: inout TextCollector) {
        writePendingSpace(into: &output)
        output.append(text)
        atLineStart = false
    }

    private mutating func emit(byte: UInt8, into output: inout TextCollector) {
        writePendingSpace(into: &output)
        output.append(byte: byte)
        atLineStart = false
    }

    private mutating func writePendingSpace(into output: inout TextCollector) {
        if pendingSpace {
            pendingSpace = false
            if !atLineStart { output.append(byte: UInt8(ascii: " ")) }
        }
    }

    private mutating func emitLiteralEntity(into output: inout TextCollector) {
        emit(byte: UInt8(ascii: "&"), into: &output)
        entity.withUnsafeBytes { emit($0, into: &output) }
        entity.removeAll(keepingCapacity: true)
    }

    /// `&name;`, `&#123;`, `&#x1F600;`; an unknown name stays as written. Numbers in 128...159 are read as
    /// Windows-1252, as HTML5 prescribes.
    private mutating func resolveEntity(terminated: Bool, into output: inout TextCollector) {
        var scalar: UInt32?
        if entity.first == UInt8(ascii: "#") {
            var digits = entity.dropFirst()
            var radix: UInt32 = 10
            if let x = digits.first, x | 0x20 == UInt8(ascii: "x") {
                radix = 16
                digits = digits.dropFirst()
            }
            var value: UInt32 = 0
            var valid = !digits.isEmpty
            for digit in digits {
                guard let v = QuotedPrintableDecoder.hexValue(digit), UInt32(v) < radix else {
                    valid = false
                    break
                }
                value = min(value * radix + UInt32(v), 0x110000)
            }
            if valid {
                if value >= 0x80 && value < 0xA0 {
                    value = UInt32(SingleByteTable.windows1252.upperHalf[Int(value) - 0x80])
                }
                scalar = value == 0 || value >= 0x110000 || (0xD800..<0xE000).contains(value) ? 0xFFFD : value
            }
        } else {
            scalar = Self.entities[String(decoding: entity, as: UTF8.self)]
        }
        guard let scalar else {
            emitLiteralEntity(into: &output)
            if terminated { emit(byte: UInt8(ascii: ";"), into: &output) }
            return
        }
        entity.removeAll(keepingCapacity: true)
        if scalar == 0xA0 || scalar == 0x20 {
            pendingSpace = true
            return
        }
        var utf8: [UInt8] = []
        UTF8Output.append(scalar: scalar, to: &utf8)
        utf8.withUnsafeBytes { emit($0, into: &output) }
    }

    @inline(__always)
    private static func isPlainText(_ byte: UInt8) -> Bool {
        byte != UInt8(ascii: "<") && byte != UInt8(ascii: "&") && byte > 0x20
    }

    @inline(__always)
    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }

    static let script = Array("script".utf8)
    static let style = Array("style".utf8)

    static let blockTags: Set<[UInt8]> = Set(
        [
            "p", "br", "div", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
            "hr", "pre", "title", "dt", "dd", "dl", "section", "article", "header", "footer", "center", "address",
            "form", "body", "html", "head",
        ].map { Array($0.utf8) })
    static let cellTags: Set<[UInt8]> = Set(["td", "th"].map { Array($0.utf8) })

    static let entities: [String: UInt32] = [
        "amp": 0x26, "lt": 0x3C, "gt": 0x3E, "quot": 0x22, "apos": 0x27, "nbsp": 0xA0, "copy": 0xA9, "reg": 0xAE,
        "trade": 0x2122, "hellip": 0x2026, "mdash": 0x2014, "ndash": 0x2013, "lsquo": 0x2018, "rsquo": 0x2019,
        "sbquo": 0x201A, "ldquo": 0x201C, "rdquo": 0x201D, "bdquo": 0x201E, "laquo": 0xAB, "raquo": 0xBB,
        "bull": 0x2022, "middot": 0xB7, "euro": 0x20AC, "pound": 0xA3, "yen": 0xA5, "cent": 0xA2, "sect": 0xA7,
        "deg": 0xB0, "plusmn": 0xB1, "times": 0xD7, "divide": 0xF7, "para": 0xB6, "shy": 0xAD, "iexcl": 0xA1,
        "iquest": 0xBF, "zwnj": 0x200C, "zwj": 0x200D, "ensp": 0x2002, "emsp": 0x2003, "thinsp": 0x2009,
        "agrave": 0xE0, "aacute": 0xE1, "acirc": 0xE2, "atilde": 0xE3, "auml": 0xE4, "aring": 0xE5, "aelig": 0xE6,
        "ccedil": 0xE7, "egrave": 0xE8, "eacute": 0xE9, "ecirc": 0xEA, "euml": 0xEB, "igrave": 0xEC, "iacute": 0xED,
        "icirc": 0xEE, "iuml": 0xEF, "ntilde": 0xF1, "ograve": 0xF2, "oacute": 0xF3, "ocirc": 0xF4, "otilde": 0xF5,
        "ouml": 0xF6, "oslash": 0xF8, "ugrave": 0xF9, "uacute": 0xFA, "ucirc": 0xFB, "uuml": 0xFC, "yacute": 0xFD,
        "yuml": 0xFF, "szlig": 0xDF, "Agrave": 0xC0, "Aacute": 0xC1, "Acirc": 0xC2, "Atilde": 0xC3, "Auml": 0xC4,
        "Aring": 0xC5, "AElig": 0xC6, "Ccedil": 0xC7, "Egrave": 0xC8, "Eacute": 0xC9, "Ecirc": 0xCA, "Euml": 0xCB,
        "Igrave": 0xCC, "Iacute": 0xCD, "Icirc": 0xCE, "Iuml": 0xCF, "Ntilde": 0xD1, "Ograve": 0xD2, "Oacute": 0xD3,
        "Ocirc": 0xD4, "Otilde": 0xD5, "Ouml": 0xD6, "Oslash": 0xD8, "Ugrave": 0xD9, "Uacute": 0xDA, "Ucirc": 0xDB,
        "Uuml": 0xDC, "Yacute": 0xDD, "oelig": 0x153, "OElig": 0x152, "scaron": 0x161, "Scaron": 0x160,
        "AMP": 0x26, "LT": 0x3C, "GT": 0x3E, "QUOT": 0x22,
    ]
}
