import NIOCore

/// An incremental parser of server responses (RFC 9051 §7), fed bytes as they arrive.
///
/// Call `next(_:)` in a loop after appending received bytes to a buffer; it returns `nil` when it
/// needs more bytes, and then it has consumed nothing that it has not already reported.
public struct ResponseParser: Sendable {
    public struct Limits: Sendable {
        /// Longest line outside literals, with its small literals inlined.
        public var maximumLineLength: Int = 1 << 20
        /// Largest literal accepted outside a FETCH body section.
        public var maximumInlineLiteral: Int = 1 << 20
        /// Largest body chunk handed out at once.
        public var bodyChunk: Int = 64 * 1024
        public var maximumDepth: Int = 64
        public init() {}
    }

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    public let limits: Limits

    /// Where we are in the stream between calls.
    private enum State: Sendable {
        /// At the start of a response.
        case response
        /// Inside a FETCH attribute list, before an attribute (`first` right after the "(").
        case fetch(first: Bool)
        /// Inside a body literal, with this many bytes still to hand out.
        case body(remaining: Int)
    }

    private var state = State.response
    /// Events already decided, handed out before reading further (the end of a body, the chunks of
    /// a body sent as a quoted string). Never more than a line's worth.
    private var pending: [ResponseEvent] = []

    /// The next event, or nil when more bytes are needed. Throws on garbage; after a throw the
    /// connection is not usable.
    public mutating func next(_ buffer: inout ByteBuffer) throws(ParseError) -> ResponseEvent? {
        if !pending.isEmpty { return pending.removeFirst() }
        switch state {
        case .response: return try nextResponse(&buffer)
        case .fetch(let first): return try nextFetchStep(&buffer, first: first)
        case .body(let remaining): return nextBodyChunk(&buffer, remaining: remaining)
        }
    }

    /// Whether the parser is between responses (not inside a FETCH).
    public var isAtResponseBoundary: Bool {
        if case .response = state { return pending.isEmpty }
        return false
    }

    private mutating func nextResponse(_ buffer: inout ByteBuffer) throws(ParseError) -> ResponseEvent? {
        let framer = ResponseFramer(limits: limits)
        guard var firstLineEnd = try framer.lineEnd(in: buffer, from: 0) else { return nil }
        // Lenient: a blank line between responses carries nothing.
        while firstLineEnd <= 2,
            buffer.readableBytesView.prefix(firstLineEnd).allSatisfy({ $0 == ASCII.cr || $0 == ASCII.lf })
        {
            buffer.moveReaderIndex(forwardBy: firstLineEnd)
            guard let next = try framer.lineEnd(in: buffer, from: 0) else { return nil }
            firstLineEnd = next
        }
        let grammar = ResponseGrammar(limits: limits)

        // A FETCH is not framed whole: its body literals stream, attribute by attribute.
        var cursor = buffer
        let sequence = try parse(buffer) { () throws(GrammarError) in try grammar.fetchStart(&cursor) }
        if case let sequence?? = sequence {
            buffer.moveReaderIndex(to: cursor.readerIndex)
            state = .fetch(first: true)
            return .fetchStart(sequence: sequence)
        }

        guard let length = try framer.responseLength(in: buffer, firstLineEnd: firstLineEnd),
            var line = buffer.getSlice(at: buffer.readerIndex, length: length)
        else { return nil }
        // The frame is complete: running out of bytes inside it means it is malformed.
        let event = try parse(buffer, incompleteIsInvalid: true) { () throws(GrammarError) in
            try grammar.response(&line)
        }
        if line.readableBytes > 0 {
            throw .invalid(rule: "response", line: Self.lineText(buffer))
        }
        buffer.moveReaderIndex(forwardBy: length)
        return event
    }

    private mutating func nextFetchStep(_ buffer: inout ByteBuffer, first: Bool) throws(ParseError) -> ResponseEvent? {
        // Parse only once the rest of this line is here; an attribute holding a literal (ENVELOPE,
        // X-GM-LABELS) may still run out of bytes, and is then parsed again from its start.
        guard try ResponseFramer(limits: limits).lineEnd(in: buffer, from: 0) != nil else { return nil }
        let grammar = ResponseGrammar(limits: limits)
        var cursor = buffer
        let parsed = try parse(buffer) { () throws(GrammarError) in try grammar.fetchStep(&cursor, first: first) }
        guard let step = parsed else { return nil }
        buffer.moveReaderIndex(to: cursor.readerIndex)
        state = .fetch(first: false)
        switch step {
        case .end:
            state = .response
            return .fetchEnd
        case .attribute(let attribute):
            return .fetchAttribute(attribute)
        case .body(let section, let origin, .literal(let size)):
            if size > 0 {
                state = .body(remaining: size)
            } else {
                pending.append(.fetchBodyEnd)
            }
            return .fetchBodyStart(section: section, origin: origin, size: size)
        case .body(let section, let origin, .bytes(let bytes)):
            let chunk = max(1, limits.bodyChunk)
            for start in stride(from: 0, to: bytes.count, by: chunk) {
                pending.append(.fetchBodyChunk(ByteBuffer(bytes: bytes[start..<min(start + chunk, bytes.count)])))
            }
            pending.append(.fetchBodyEnd)
            return .fetchBodyStart(section: section, origin: origin, size: bytes.count)
        case .body(let section, let origin, .absent):
            pending.append(.fetchBodyEnd)
            return .fetchBodyStart(section: section, origin: origin, size: nil)
        }
    }

    /// Hands out the body bytes that are there, without copying them, as soon as they are there.
    private mutating func nextBodyChunk(_ buffer: inout ByteBuffer, remaining: Int) -> ResponseEvent? {
        let length = min(remaining, buffer.readableBytes, max(1, limits.bodyChunk))
        guard length > 0, let chunk = buffer.readSlice(length: length) else { return nil }
        if length == remaining {
            state = .fetch(first: false)
            pending.append(.fetchBodyEnd)
        } else {
            state = .body(remaining: remaining - length)
        }
        return .fetchBodyChunk(chunk)
    }

    /// Runs a grammar rule: nil for "need more bytes" (unless the bytes are known to be complete),
    /// and a `ParseError` naming the rule and the line for everything else.
    private func parse<T>(
        _ buffer: ByteBuffer, incompleteIsInvalid: Bool = false, _ rule: () throws(GrammarError) -> T
    ) throws(ParseError) -> T? {
        do throws(GrammarError) {
            return try rule()
        } catch {
            switch error {
            case .incomplete where incompleteIsInvalid: throw .invalid(rule: "response", line: Self.lineText(buffer))
            case .incomplete: return nil
            case .mismatch(let rule), .invalid(let rule): throw .invalid(rule: rule, line: Self.lineText(buffer))
            case .limit(let error): throw error
            }
        }
    }

    /// The start of the line under the reader index, for error messages.
    static func lineText(_ buffer: ByteBuffer, maximum: Int = 200) -> String {
        let bytes = buffer.readableBytesView.prefix(maximum)
        let line = bytes.prefix { $0 != ASCII.cr && $0 != ASCII.lf }
        return String(decoding: line, as: UTF8.self)
    }
}
