import NIOCore

/// The response grammar of RFC 9051 §9 and the extensions mailferry meets, one function per rule.
///
/// Every function reads from a `ByteBuffer` whose reader index is the cursor. Running out of bytes
/// throws `.incomplete`; the caller decides whether that means "wait" (inside a FETCH, where the
/// bytes are the live stream) or "malformed" (a framed line, which is known to be complete).
/// Where real servers deviate from the ABNF the functions are lenient, and say so.
struct ResponseGrammar: Sendable {
    let limits: ResponseParser.Limits
}

/// Byte values of the grammar's punctuation.
enum ASCII {
    static let space: UInt8 = 0x20
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let quote: UInt8 = 0x22
    static let backslash: UInt8 = 0x5C
    static let openParen: UInt8 = 0x28
    static let closeParen: UInt8 = 0x29
    static let openBrace: UInt8 = 0x7B
    static let closeBrace: UInt8 = 0x7D
    static let openBracket: UInt8 = 0x5B
    static let closeBracket: UInt8 = 0x5D
    static let star: UInt8 = 0x2A
    static let plus: UInt8 = 0x2B
    static let minus: UInt8 = 0x2D
    static let percent: UInt8 = 0x25
    static let tilde: UInt8 = 0x7E
    static let less: UInt8 = 0x3C
    static let greater: UInt8 = 0x3E
    static let colon: UInt8 = 0x3A
    static let comma: UInt8 = 0x2C
    static let del: UInt8 = 0x7F

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }

    /// ATOM-CHAR = <any CHAR except atom-specials>
    /// atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials
    static func isAtomChar(_ c: UInt8) -> Bool {
        switch c {
        case 0...0x20, 0x7F...: false
        case openParen, closeParen, openBrace, percent, star, quote, backslash, closeBracket: false
        default: true
        }
    }

    /// ASTRING-CHAR = ATOM-CHAR / resp-specials
    static func isAStringChar(_ c: UInt8) -> Bool { isAtomChar(c) || c == closeBracket }

    /// tag = 1*<any ASTRING-CHAR except "+">
    static func isTagChar(_ c: UInt8) -> Bool { c != plus && isAStringChar(c) }

    /// Response keywords and capability names: ATOM-CHAR, but a `[` ends them so that `* OK[ALERT]`
    /// still splits.
    static func isKeywordChar(_ c: UInt8) -> Bool { c != openBracket && isAtomChar(c) }

    /// Lenient mailbox atoms: servers send `*`, `%`, `\`, `]` and raw UTF-8 unquoted.
    static func isMailboxChar(_ c: UInt8) -> Bool {
        switch c {
        case 0...0x20, del, openParen, closeParen, openBrace, quote: false
        default: true
        }
    }

    /// Lenient flag characters: `\*` in PERMANENTFLAGS, 8-bit keywords.
    static func isFlagChar(_ c: UInt8) -> Bool { c != closeBracket && isMailboxChar(c) }

    /// Characters of a bare token inside a value kept raw (numbers, NIL, atoms, `\Flags`).
    static func isValueChar(_ c: UInt8) -> Bool {
        switch c {
        case 0...0x20, del, openParen, closeParen, quote: false
        default: true
        }
    }

    @inline(__always) static func uppercased(_ c: UInt8) -> UInt8 { c &- 0x61 < 26 ? c &- 0x20 : c }
}

// MARK: - Cursor primitives

extension ResponseGrammar {
    /// The byte under the cursor.
    @inline(__always)
    func peek(_ b: ByteBuffer) throws(GrammarError) -> UInt8 {
        guard let c = b.getInteger(at: b.readerIndex, as: UInt8.self) else { throw .incomplete }
        return c
    }

    /// The byte after the one under the cursor.
    func peekSecond(_ b: ByteBuffer) throws(GrammarError) -> UInt8 {
        guard let c = b.getInteger(at: b.readerIndex + 1, as: UInt8.self) else { throw .incomplete }
        return c
    }

    @inline(__always)
    func expect(_ byte: UInt8, _ b: inout ByteBuffer, _ rule: String) throws(GrammarError) {
        guard try peek(b) == byte else { throw .mismatch(rule: rule) }
        b.moveReaderIndex(forwardBy: 1)
    }

    /// Skips spaces and says how many there were (lenient: servers double them and add trailing ones).
    @discardableResult
    func skipSpaces(_ b: inout ByteBuffer) -> Int {
        let n = b.withUnsafeReadableBytes { p in p.firstIndex { $0 != ASCII.space } ?? p.count }
        b.moveReaderIndex(forwardBy: n)
        return n
    }

    /// SP (lenient: one or more)
    func space(_ b: inout ByteBuffer, _ rule: String) throws(GrammarError) {
        guard try peek(b) == ASCII.space else { throw .mismatch(rule: rule) }
        skipSpaces(&b)
    }

    /// A non-empty run of bytes matching `predicate`, which must be followed by some other byte:
    /// a run that reaches the end of the bytes may go on in bytes not yet received.
    func run(_ b: inout ByteBuffer, _ rule: String, _ predicate: (UInt8) -> Bool) throws(GrammarError) -> ByteBuffer {
        let n = b.withUnsafeReadableBytes { p in p.firstIndex { !predicate($0) } ?? p.count }
        guard n < b.readableBytes else { throw .incomplete }
        guard n > 0, let slice = b.readSlice(length: n) else { throw .mismatch(rule: rule) }
        return slice
    }

    /// A run as text, uppercased: keywords, attribute and code names.
    func keyword(_ b: inout ByteBuffer, _ rule: String = "atom", _ predicate: (UInt8) -> Bool = ASCII.isKeywordChar)
        throws(GrammarError) -> String
    {
        let bytes = try run(&b, rule, predicate)
        return String(decoding: bytes.readableBytesView.lazy.map(ASCII.uppercased), as: UTF8.self)
    }

    /// A run as text, as sent.
    func text(_ b: inout ByteBuffer, _ rule: String, _ predicate: (UInt8) -> Bool) throws(GrammarError) -> String {
        String(buffer: try run(&b, rule, predicate))
    }

    /// Whether the cursor is at the end of the line (trailing spaces allowed).
    func atLineEnd(_ b: ByteBuffer) throws(GrammarError) -> Bool {
        var probe = b
        skipSpaces(&probe)
        let c = try peek(probe)
        return c == ASCII.cr || c == ASCII.lf
    }

    /// CRLF (lenient: trailing spaces before it, and a bare LF)
    func lineEnd(_ b: inout ByteBuffer) throws(GrammarError) {
        skipSpaces(&b)
        if try peek(b) == ASCII.cr { b.moveReaderIndex(forwardBy: 1) }
        try expect(ASCII.lf, &b, "CRLF")
    }

    /// text = 1*TEXT-CHAR, up to the end of the line, which it consumes (lenient: any byte but LF,
    /// and empty text).
    func restOfLine(_ b: inout ByteBuffer) throws(GrammarError) -> [UInt8] {
        let n = b.withUnsafeReadableBytes { p in p.firstIndex(of: ASCII.lf) }
        guard let n, var bytes = b.readBytes(length: n) else { throw .incomplete }
        b.moveReaderIndex(forwardBy: 1)
        if bytes.last == ASCII.cr { bytes.removeLast() }
        return bytes
    }

    /// Case-insensitive match of a fixed word that must not run on into more atom characters.
    func word(_ word: String, _ b: inout ByteBuffer) throws(GrammarError) {
        try composite(&b) { b throws(GrammarError) in
            for expected in word.utf8 {
                guard ASCII.uppercased(try peek(b)) == expected else { throw .mismatch(rule: word) }
                b.moveReaderIndex(forwardBy: 1)
            }
            if ASCII.isAtomChar(try peek(b)) { throw .mismatch(rule: word) }
        }
    }
}

// MARK: - Numbers

extension ResponseGrammar {
    // number = 1*DIGIT ; unsigned 32-bit integer
    // nz-number = digit-nz *DIGIT (lenient: 0 accepted)
    func number(_ b: inout ByteBuffer, _ rule: String = "number") throws(GrammarError) -> UInt32 {
        let value = try number64(&b, rule)
        guard let small = UInt32(exactly: value) else { throw .invalid(rule: rule) }
        return small
    }

    // number64 = 1*DIGIT ; unsigned 63-bit integer (RFC 9051); mod-sequence-value = 1*DIGIT (RFC 7162)
    func number64(_ b: inout ByteBuffer, _ rule: String = "number64") throws(GrammarError) -> UInt64 {
        let digits = try run(&b, rule, ASCII.isDigit)
        var value: UInt64 = 0
        for d in digits.readableBytesView {
            let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = shifted.addingReportingOverflow(UInt64(d &- 0x30))
            if o1 || o2 { throw .invalid(rule: rule) }
            value = sum
        }
        return value
    }

    // seq-number = nz-number / "*"
    func seqNumber(_ b: inout ByteBuffer) throws(GrammarError) -> UInt32 {
        if try peek(b) == ASCII.star {
            b.moveReaderIndex(forwardBy: 1)
            return UInt32.max
        }
        return try number(&b, "seq-number")
    }

    // sequence-set = (seq-number / seq-range) ["," sequence-set]
    // seq-range = seq-number ":" seq-number
    func sequenceSet(_ b: inout ByteBuffer) throws(GrammarError) -> SequenceSet {
        var ranges: [ClosedRange<UInt32>] = []
        while true {
            let first = try seqNumber(&b)
            var last = first
            if try peek(b) == ASCII.colon {
                b.moveReaderIndex(forwardBy: 1)
                last = try seqNumber(&b)
            }
            ranges.append(min(first, last)...max(first, last))
            guard try peek(b) == ASCII.comma else { return SequenceSet(ranges) }
            b.moveReaderIndex(forwardBy: 1)
        }
    }
}

// MARK: - Strings

extension ResponseGrammar {
    // nil = "NIL"
    func nilValue(_ b: inout ByteBuffer) throws(GrammarError) {
        try word("NIL", &b)
    }

    // quoted = DQUOTE *QUOTED-CHAR DQUOTE
    // QUOTED-CHAR = <any TEXT-CHAR except quoted-specials> / "\" quoted-specials / UTF8-2 / UTF8-3 / UTF8-4
    // Lenient: a backslash before any other character is kept with it, as sent.
    func quoted(_ b: inout ByteBuffer) throws(GrammarError) -> [UInt8] {
        try expect(ASCII.quote, &b, "quoted")
        var result: [UInt8] = []
        while true {
            let n = b.withUnsafeReadableBytes { p in
                p.firstIndex { $0 == ASCII.quote || $0 == ASCII.backslash || $0 == ASCII.cr || $0 == ASCII.lf }
            }
            guard let n, let run = b.readBytes(length: n), let special = b.readInteger(as: UInt8.self) else {
                throw .incomplete
            }
            result.append(contentsOf: run)
            switch special {
            case ASCII.quote:
                return result
            case ASCII.backslash:
                let escaped = try peek(b)
                guard escaped != ASCII.cr, escaped != ASCII.lf else { throw .mismatch(rule: "quoted") }
                b.moveReaderIndex(forwardBy: 1)
                if escaped != ASCII.quote, escaped != ASCII.backslash { result.append(ASCII.backslash) }
                result.append(escaped)
            default:
                throw .mismatch(rule: "quoted")
            }
        }
    }

    // literal = "{" number64 ["+"] "}" CRLF *CHAR8     ("+" of RFC 7888; lenient on a server)
    // literal8 = "~{" number64 "}" CRLF *OCTET         (RFC 3516)
    // The header only: the size of the bytes that follow.
    func literalHeader(_ b: inout ByteBuffer) throws(GrammarError) -> Int {
        if try peek(b) == ASCII.tilde { b.moveReaderIndex(forwardBy: 1) }
        try expect(ASCII.openBrace, &b, "literal")
        let size = try number64(&b, "literal")
        if try peek(b) == ASCII.plus { b.moveReaderIndex(forwardBy: 1) }
        try expect(ASCII.closeBrace, &b, "literal")
        if try peek(b) == ASCII.cr { b.moveReaderIndex(forwardBy: 1) }
        try expect(ASCII.lf, &b, "literal")
        guard let count = Int(exactly: size) else { throw .invalid(rule: "literal") }
        return count
    }

    /// A literal outside a message body: read whole, up to `maximumInlineLiteral`.
    func literal(_ b: inout ByteBuffer) throws(GrammarError) -> [UInt8] {
        let size = try literalHeader(&b)
        guard size <= limits.maximumInlineLiteral else {
            throw .limit(.literalTooLarge(actual: size, maximum: limits.maximumInlineLiteral))
        }
        guard let bytes = b.readBytes(length: size) else { throw .incomplete }
        return bytes
    }

    func startsLiteral(_ b: ByteBuffer) throws(GrammarError) -> Bool {
        switch try peek(b) {
        case ASCII.openBrace: true
        case ASCII.tilde: try peekSecond(b) == ASCII.openBrace
        default: false
        }
    }

    // string = quoted / literal
    func string(_ b: inout ByteBuffer) throws(GrammarError) -> [UInt8] {
        if try peek(b) == ASCII.quote { return try quoted(&b) }
        guard try startsLiteral(b) else { throw .mismatch(rule: "string") }
        return try literal(&b)
    }

    // nstring = string / nil
    func nstring(_ b: inout ByteBuffer) throws(GrammarError) -> [UInt8]? {
        if let value = try optional(&b, { b throws(GrammarError) in try string(&b) }) { return value }
        try nilValue(&b)
        return nil
    }

    // astring = 1*ASTRING-CHAR / string  (the atom characters are the caller's: lenient for mailboxes)
    func astring(_ b: inout ByteBuffer, _ isAtomChar: (UInt8) -> Bool = ASCII.isAStringChar)
        throws(GrammarError) -> [UInt8]
    {
        let isString = try peek(b) == ASCII.quote ? true : startsLiteral(b)
        if isString { return try string(&b) }
        return Array(try run(&b, "astring", isAtomChar).readableBytesView)
    }

    // flag-list = "(" [flag *(SP flag)] ")"
    // flag = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" / flag-keyword / flag-extension
    // flag-perm = flag / "\*" ; flag-fetch = flag / "\Recent"
    // Lenient: extra spaces, 8-bit keywords.
    func flagList(_ b: inout ByteBuffer) throws(GrammarError) -> [Flag] {
        try expect(ASCII.openParen, &b, "flag-list")
        var flags: [Flag] = []
        while true {
            let spaces = skipSpaces(&b)
            if try peek(b) == ASCII.closeParen {
                b.moveReaderIndex(forwardBy: 1)
                return flags
            }
            if !flags.isEmpty && spaces == 0 { throw .mismatch(rule: "flag-list") }
            flags.append(Flag(try text(&b, "flag", ASCII.isFlagChar)))
        }
    }

    // tagged-ext-val = tagged-ext-simple / "(" [tagged-ext-comp] ")"    (RFC 4466)
    // Used leniently for every value kept as raw text: nested lists (items may touch, as in a
    // multipart BODYSTRUCTURE), quoted strings, literals and bare tokens.
    func skipValue(_ b: inout ByteBuffer, depth: Int) throws(GrammarError) {
        let c = try peek(b)
        if c == ASCII.openParen {
            guard depth < limits.maximumDepth else { throw .limit(.tooDeep(maximum: limits.maximumDepth)) }
            b.moveReaderIndex(forwardBy: 1)
            while true {
                skipSpaces(&b)
                if try peek(b) == ASCII.closeParen {
                    b.moveReaderIndex(forwardBy: 1)
                    return
                }
                try skipValue(&b, depth: depth + 1)
            }
        } else if c == ASCII.quote {
            _ = try quoted(&b)
        } else if try startsLiteral(b) {
            _ = try literal(&b)
        } else {
            _ = try run(&b, "value", ASCII.isValueChar)
        }
    }

    /// One value, as the raw text the server sent.
    func rawValue(_ b: inout ByteBuffer, depth: Int = 0) throws(GrammarError) -> String {
        let start = b
        try skipValue(&b, depth: depth)
        return consumed(from: start, to: b)
    }

    /// The text between two positions of the same buffer (`get` methods refuse bytes already read).
    func consumed(from start: ByteBuffer, to end: ByteBuffer) -> String {
        String(decoding: start.readableBytesView.prefix(end.readerIndex - start.readerIndex), as: UTF8.self)
    }
}
