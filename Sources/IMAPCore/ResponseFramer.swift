import NIOCore

/// Finds where responses end in the byte stream without parsing them: frame first, then parse.
///
/// A response is a line; a line ending in a literal header (`{n}`, `{n+}`, `~{n}`) goes on after
/// the literal's n bytes. The framer works on offsets from the buffer's reader index, consumes
/// nothing, and answers nil for "need more bytes". It enforces the line and literal limits as soon
/// as the bytes that break them are seen, so a hostile server cannot make it wait for gigabytes.
struct ResponseFramer: Sendable {
    let limits: ResponseParser.Limits

    /// The offset just past the LF that ends the line starting at `offset`, or nil when that LF has
    /// not arrived. `offset` counts towards the line length: it is where we are in a logical line.
    func lineEnd(in buffer: ByteBuffer, from offset: Int) throws(ParseError) -> Int? {
        let readable = buffer.readableBytes
        let budget = limits.maximumLineLength - offset
        let window = min(readable - offset, budget)
        if window > 0 {
            let found = buffer.withUnsafeReadableBytes { raw in
                UnsafeRawBufferPointer(rebasing: raw[offset..<offset + window]).firstIndex(of: ASCII.lf)
            }
            if let found { return offset + found + 1 }
        }
        if readable - offset >= budget {
            throw .lineTooLong(actual: readable, maximum: limits.maximumLineLength)
        }
        return nil
    }

    /// The length of the whole response that starts at the reader index, its literals inlined, or
    /// nil when it has not fully arrived. `firstLineEnd` is the end of its first line.
    func responseLength(in buffer: ByteBuffer, firstLineEnd: Int) throws(ParseError) -> Int? {
        guard Self.mayContainLiterals(buffer, firstLineEnd: firstLineEnd) else { return firstLineEnd }
        var segmentStart = 0
        var end = firstLineEnd
        while let size = try literalSize(in: buffer, segment: segmentStart..<end) {
            guard size <= limits.maximumInlineLiteral else {
                throw .literalTooLarge(actual: size, maximum: limits.maximumInlineLiteral)
            }
            let (literalEnd, overflow) = end.addingReportingOverflow(size)
            guard !overflow, literalEnd <= limits.maximumLineLength else {
                throw .lineTooLong(actual: overflow ? Int.max : literalEnd, maximum: limits.maximumLineLength)
            }
            guard literalEnd <= buffer.readableBytes, let next = try lineEnd(in: buffer, from: literalEnd) else {
                return nil
            }
            segmentStart = literalEnd
            end = next
        }
        return end
    }

    /// Continuation requests and status responses end in free text, where a trailing `{5}` is text,
    /// not a literal: `+ Ready for {5}`, `A1 NO too big {5}`.
    static func mayContainLiterals(_ buffer: ByteBuffer, firstLineEnd: Int) -> Bool {
        buffer.withUnsafeReadableBytes { all in
            let p = UnsafeRawBufferPointer(rebasing: all[..<firstLineEnd])
            guard let first = p.first, first != ASCII.plus else { return false }
            guard var i = p.firstIndex(of: ASCII.space) else { return true }
            while i < p.count, p[i] == ASCII.space { i += 1 }
            var word: [UInt8] = []
            while i < p.count, word.count < 8, ASCII.isKeywordChar(p[i]) {
                word.append(ASCII.uppercased(p[i]))
                i += 1
            }
            return ResponseStatus(rawValue: String(decoding: word, as: UTF8.self)) == nil
        }
    }

    /// The size announced by a literal header at the end of the line `segment` (which ends with LF),
    /// or nil when the line does not end in one.
    ///
    /// literal = "{" number64 ["+"] "}" CRLF ; literal8 = "~{" number64 "}" CRLF
    func literalSize(in buffer: ByteBuffer, segment: Range<Int>) throws(ParseError) -> Int? {
        let digits: ArraySlice<UInt8>? = buffer.withUnsafeReadableBytes { p in
            var i = segment.upperBound - 2  // before the LF
            if i >= segment.lowerBound, p[i] == ASCII.cr { i -= 1 }
            guard i >= segment.lowerBound, p[i] == ASCII.closeBrace else { return nil }
            i -= 1
            if i >= segment.lowerBound, p[i] == ASCII.plus { i -= 1 }
            let last = i
            while i >= segment.lowerBound, ASCII.isDigit(p[i]) { i -= 1 }
            guard i >= segment.lowerBound, i < last, p[i] == ASCII.openBrace else { return nil }
            return ArraySlice(UnsafeRawBufferPointer(rebasing: p[(i + 1)...last]))
        }
        guard let digits else { return nil }
        var size = 0
        for d in digits {
            let (shifted, o1) = size.multipliedReportingOverflow(by: 10)
            let (sum, o2) = shifted.addingReportingOverflow(Int(d &- 0x30))
            if o1 || o2 {
                throw .invalid(rule: "literal", line: String(decoding: digits, as: UTF8.self))
            }
            size = sum
        }
        return size
    }
}
