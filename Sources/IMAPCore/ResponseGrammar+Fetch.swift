import NIOCore

/// One step through the attribute list of a FETCH response.
enum FetchStep: Hashable {
    case attribute(FetchAttribute)
    /// A body section; for a literal only its header has been read, its bytes follow in the stream.
    case body(section: String, origin: UInt32?, value: BodyValue)
    case end
}

/// How a body section's value was sent.
enum BodyValue: Hashable {
    case literal(size: Int)
    case bytes([UInt8])
    case absent
}

// FETCH responses, read one attribute at a time so that body literals can stream (RFC 9051 §7.5.2).
extension ResponseGrammar {
    // message-data = nz-number SP "FETCH" SP msg-att
    // The part up to the "(" of msg-att: the sequence number, or nil when the line is not a FETCH.
    func fetchStart(_ b: inout ByteBuffer) throws(GrammarError) -> UInt32? {
        let sequence = try optional(&b) { b throws(GrammarError) -> UInt32 in
            try expect(ASCII.star, &b, "response-data")
            try space(&b, "response-data")
            guard ASCII.isDigit(try peek(b)) else { throw .mismatch(rule: "message-data") }
            let n = try number(&b, "nz-number")
            try space(&b, "message-data")
            try word("FETCH", &b)
            return n
        }
        guard let sequence else { return nil }
        skipSpaces(&b)
        try expect(ASCII.openParen, &b, "msg-att")
        return sequence
    }

    // msg-att = "(" (msg-att-dynamic / msg-att-static) *(SP (msg-att-dynamic / msg-att-static)) ")"
    // Called after the "(" and after each attribute. Lenient: extra spaces, a space before ")".
    func fetchStep(_ b: inout ByteBuffer, first: Bool) throws(GrammarError) -> FetchStep {
        let spaces = skipSpaces(&b)
        if try peek(b) == ASCII.closeParen {
            b.moveReaderIndex(forwardBy: 1)
            try lineEnd(&b)
            return .end
        }
        guard first || spaces > 0 else { throw .mismatch(rule: "msg-att") }
        return try fetchAttribute(&b)
    }

    static func isFetchNameChar(_ c: UInt8) -> Bool {
        c != ASCII.openBracket && c != ASCII.less && ASCII.isAtomChar(c)
    }

    // msg-att-dynamic = "FLAGS" SP "(" [flag-fetch *(SP flag-fetch)] ")" /
    //                   "MODSEQ" SP "(" permsg-modsequence ")"                          (RFC 7162)
    // msg-att-static = "ENVELOPE" SP envelope / "INTERNALDATE" SP date-time /
    //     "RFC822.SIZE" SP number64 / "BODY" ["STRUCTURE"] SP body /
    //     "BODY" section ["<" number ">"] SP nstring /
    //     "BINARY" section-binary [partial] SP (nstring / literal8) /
    //     "BINARY.SIZE" section-binary SP number / "UID" SP uniqueid /
    //     "RFC822" SP nstring / "RFC822.HEADER" SP nstring / "RFC822.TEXT" SP nstring   (RFC 3501)
    // Anything else (X-GM-LABELS, EMAILID, BODYSTRUCTURE ...) is kept raw.
    func fetchAttribute(_ b: inout ByteBuffer) throws(GrammarError) -> FetchStep {
        let start = b
        let name = try keyword(&b, "msg-att", Self.isFetchNameChar)
        let section = try optional(&b) { b throws(GrammarError) in try self.section(&b) }
        var origin: UInt32?
        if section != nil, try peek(b) == ASCII.less {
            b.moveReaderIndex(forwardBy: 1)
            origin = try number(&b, "partial")
            try expect(ASCII.greater, &b, "partial")
        }
        let nameEnd = b
        var fullName: String { consumed(from: start, to: nameEnd).uppercased() }
        try space(&b, "msg-att")
        switch (name, section) {
        case ("BODY", let section?), ("BINARY", let section?):
            return .body(section: section, origin: origin, value: try bodyValue(&b))
        case ("RFC822", nil):
            return .body(section: "", origin: nil, value: try bodyValue(&b))
        case ("RFC822.HEADER", nil):
            return .body(section: "HEADER", origin: nil, value: try bodyValue(&b))
        case ("RFC822.TEXT", nil):
            return .body(section: "TEXT", origin: nil, value: try bodyValue(&b))
        case ("UID", nil):
            return .attribute(.uid(try number(&b, "uniqueid")))
        case ("RFC822.SIZE", nil):
            return .attribute(.rfc822Size(try number64(&b, "RFC822.SIZE")))
        case ("FLAGS", nil):
            if try peek(b) != ASCII.openParen {
                try nilValue(&b)
                return .attribute(.flags([]))
            }
            return .attribute(.flags(try flagList(&b)))
        case ("MODSEQ", nil):
            try expect(ASCII.openParen, &b, "permsg-modsequence")
            skipSpaces(&b)
            let modSeq = try number64(&b, "permsg-modsequence")
            skipSpaces(&b)
            try expect(ASCII.closeParen, &b, "permsg-modsequence")
            return .attribute(.modSeq(modSeq))
        case ("INTERNALDATE", nil):
            if let date = try optional(&b, { b throws(GrammarError) in try dateTime(&b) }) {
                return .attribute(.internalDate(date))
            }
            // A date we cannot read is kept as sent rather than failing the whole message.
            return .attribute(.other(name: fullName, value: try rawValue(&b)))
        default:
            return .attribute(.other(name: fullName, value: try rawValue(&b)))
        }
    }

    // section = "[" [section-spec] "]"   ; section-binary = "[" [section-part] "]"
    // The text inside the brackets, as sent.
    func section(_ b: inout ByteBuffer) throws(GrammarError) -> String {
        try expect(ASCII.openBracket, &b, "section")
        let n = b.withUnsafeReadableBytes { p in
            p.firstIndex { $0 == ASCII.closeBracket || $0 == ASCII.cr || $0 == ASCII.lf }
        }
        guard let n, let text = b.readString(length: n) else { throw .incomplete }
        try expect(ASCII.closeBracket, &b, "section")
        return text
    }

    // nstring / literal8, for a body section. A literal's bytes are not read here: they stream.
    func bodyValue(_ b: inout ByteBuffer) throws(GrammarError) -> BodyValue {
        if try startsLiteral(b) { return .literal(size: try literalHeader(&b)) }
        if try peek(b) == ASCII.quote { return .bytes(try quoted(&b)) }
        try nilValue(&b)
        return .absent
    }

    // date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE
    func dateTime(_ b: inout ByteBuffer) throws(GrammarError) -> InternalDate {
        guard let date = Self.dateTime(try quoted(&b)) else { throw .mismatch(rule: "date-time") }
        return date
    }

    // date-day-fixed = (SP DIGIT) / 2DIGIT ; date-month = "Jan" / ... / "Dec" ; date-year = 4DIGIT
    // time = 2DIGIT ":" 2DIGIT ":" 2DIGIT ; zone = ("+" / "-") 4DIGIT
    // Lenient: a one-digit day without its padding space; month names in any case.
    static func dateTime(_ bytes: [UInt8]) -> InternalDate? {
        var i = 0
        func digits(_ count: Int) -> Int? {
            guard i + count <= bytes.count else { return nil }
            var value = 0
            for _ in 0..<count {
                guard ASCII.isDigit(bytes[i]) else { return nil }
                value = value * 10 + Int(bytes[i] &- 0x30)
                i += 1
            }
            return value
        }
        func skip(_ c: UInt8) -> Bool {
            guard i < bytes.count, bytes[i] == c else { return false }
            i += 1
            return true
        }
        _ = skip(ASCII.space)
        let twoDigitDay = i + 1 < bytes.count && ASCII.isDigit(bytes[i + 1])
        guard let day = digits(twoDigitDay ? 2 : 1), skip(ASCII.minus), i + 3 <= bytes.count else { return nil }
        let monthName = String(decoding: bytes[i..<i + 3], as: UTF8.self).lowercased()
        i += 3
        guard let monthIndex = InternalDate.monthNames.firstIndex(where: { $0.lowercased() == monthName }),
            skip(ASCII.minus), let year = digits(4), skip(ASCII.space),
            let hour = digits(2), skip(ASCII.colon), let minute = digits(2), skip(ASCII.colon),
            let second = digits(2), skip(ASCII.space), i < bytes.count
        else { return nil }
        let sign = bytes[i]
        i += 1
        guard sign == ASCII.plus || sign == ASCII.minus, let zone = digits(4), i == bytes.count,
            (1...31).contains(day), hour < 24, minute < 60, second <= 60, zone % 100 < 60
        else { return nil }
        let zoneMinutes = (zone / 100 * 60 + zone % 100) * (sign == ASCII.minus ? -1 : 1)
        return InternalDate(
            year: year, month: monthIndex + 1, day: day, hour: hour, minute: minute, second: second,
            zoneMinutes: zoneMinutes)
    }
}
