#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a message as it streams past, in chunks of any size, and sums up what the catalog indexes.
///
/// Memory stays bounded whatever the message: header blocks are kept up to `Limits.maxHeaderBytes`, search text
/// up to `Limits.maxTextBytes`, one partial line up to `maxLineCarry`; attachment contents are only scanned for
/// boundary lines (RFC 2046 section 5.1), never kept. Nothing in the input stops it: what is malformed is
/// recorded in `MessageSummary.problems`.
///
/// A value type, but an iconv-decoded text part holds a reference to its converter: copy an indexer only before
/// feeding it.
public struct MessageIndexer {
    public struct Limits: Sendable, Hashable {
        /// Bytes kept of one header block (the message's or a part's); the rest of the block is skipped.
        public var maxHeaderBytes: Int
        /// Bytes of UTF-8 kept for `bodyText`.
        public var maxTextBytes: Int
        /// Nested multiparts and attached messages followed; deeper ones are treated as opaque.
        public var maxDepth: Int
        /// MIME parts looked at; later ones are only scanned for boundaries.
        public var maxParts: Int
        /// Problems recorded per message.
        public var maxProblems: Int

        public init(
            maxHeaderBytes: Int = 256 * 1024, maxTextBytes: Int = 1024 * 1024, maxDepth: Int = 32,
            maxParts: Int = 1000, maxProblems: Int = 50
        ) {
            self.maxHeaderBytes = maxHeaderBytes
            self.maxTextBytes = maxTextBytes
            self.maxDepth = maxDepth
            self.maxParts = maxParts
            self.maxProblems = maxProblems
        }
    }

    /// A line longer than this is passed on in pieces; it cannot be a boundary line (RFC 2046 caps boundaries
    /// at 70 characters), so nothing is lost by not seeing it whole.
    public static let maxLineCarry = 4096

    /// An open multipart (with its delimiter) or attached message (without).
    struct Frame {
        var delimiter: [UInt8]?
        var isAlternative = false
        var isDigest = false
        /// Which child the parser is in, counted from 1 at each delimiter line.
        var child = 0
        /// For multipart/alternative: the child whose text was indexed.
        var textChild: Int?
        /// The close delimiter was seen: what follows is epilogue.
        var closed = false
    }

    enum Mode {
        case headers
        case text
        case ignore
    }

    public let limits: Limits
    private var carry: [UInt8] = []
    /// The bytes that come next continue a line already passed on.
    private var midLine = false
    private var frames: [Frame] = []
    private var mode = Mode.headers
    private var header: [UInt8] = []
    private var headerTruncated = false
    private var inTopHeaders = true
    private var partDefault = ContentType.defaultText
    private var pendingLineEnd = 0
    private var text: TextCollector
    private var textPart: TextPartDecoder?
    private var textPartStart = 0
    private var parts = 0
    private var bytesSeen = 0
    private var finished = false
    private var summary = MessageSummary()

    public init(limits: Limits = .init()) {
        self.limits = limits
        text = TextCollector(limit: limits.maxTextBytes)
    }

    /// Bytes this indexer holds on to between calls (buffers' capacities), for tests of bounded memory.
    public var retainedBytes: Int {
        carry.capacity + header.capacity + text.bytes.capacity + (textPart?.retainedBytes ?? 0)
            + frames.reduce(0) { $0 + ($1.delimiter?.capacity ?? 0) } + summary.problems.reduce(0) { $0 + $1.utf8.count }
    }

    public mutating func feed(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { feed($0) }
    }

    public mutating func feed(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { feed($0) }
    }

    /// Takes the next chunk of the message, of any size.
    public mutating func feed(_ buffer: UnsafeRawBufferPointer) {
        guard !finished, let base = buffer.baseAddress, buffer.count > 0 else { return }
        bytesSeen += buffer.count
        // A leaf nothing reads, outside any multipart: no later line can matter.
        if frames.isEmpty && mode == .ignore { return }
        let count = buffer.count
        var start = 0
        while start < count {
            // In a body, whole lines that cannot be delimiter lines go on at once; the line after them (one that
            // starts with "--", or an unfinished one) takes the line-by-line path below.
            if carry.isEmpty && mode != .headers {
                let end = ByteScan.linesWithoutLeadingDashes(buffer, from: start, continuing: midLine)
                if end > start {
                    bodyLines(UnsafeRawBufferPointer(rebasing: buffer[start..<end]))
                    start = end
                    if start == count || (frames.isEmpty && mode == .ignore) { return }
                }
            }
            guard let found = memchr(base + start, 0x0A, count - start) else {
                let rest = UnsafeRawBufferPointer(rebasing: buffer[start..<count])
                if carry.count + rest.count <= Self.maxLineCarry {
                    carry.append(contentsOf: rest)
                } else {
                    if !carry.isEmpty { passCarry(complete: false) }
                    piece(rest, lineEndLength: 0)
                }
                return
            }
            let end = UnsafeRawPointer(found) - base + 1
            let line = UnsafeRawBufferPointer(rebasing: buffer[start..<end])
            if carry.isEmpty {
                piece(line, lineEndLength: Self.lineEndLength(line))
            } else if carry.count + line.count <= Self.maxLineCarry {
                carry.append(contentsOf: line)
                passCarry(complete: true)
            } else {
                passCarry(complete: false)
                piece(line, lineEndLength: Self.lineEndLength(line))
            }
            start = end
            if frames.isEmpty && mode == .ignore { return }
        }
    }

    /// Ends the message and returns its summary; later calls to `feed` are ignored.
    public mutating func finish() -> MessageSummary {
        guard !finished else { return summary }
        if !carry.isEmpty { passCarry(complete: false, final: true) }
        finished = true
        if bytesSeen == 0 { note("message: empty") }
        if mode == .headers { endHeaders() }
        endLeaf()
        if frames.contains(where: { $0.delimiter != nil && !$0.closed }) {
            note("multipart: missing final boundary")
        }
        summary.bodyText = text.text()
        summary.bodyTextTruncated = text.isFull
        return summary
    }

    // MARK: lines

    private static func lineEndLength(_ line: UnsafeRawBufferPointer) -> Int {
        guard let last = line.last, last == 0x0A else { return 0 }
        return line.count >= 2 && line[line.count - 2] == 0x0D ? 2 : 1
    }

    private mutating func passCarry(complete: Bool, final: Bool = false) {
        var held: [UInt8] = []
        swap(&held, &carry)
        held.withUnsafeBytes { piece($0, lineEndLength: complete ? Self.lineEndLength($0) : 0, final: final) }
        held.removeAll(keepingCapacity: true)
        swap(&held, &carry)
    }

    /// A whole line (with its line end), or a piece of one (`lineEndLength` 0 for all pieces but the last).
    /// Only a whole line can be a delimiter line: the message's last line, without a line end, is whole (`final`).
    private mutating func piece(_ bytes: UnsafeRawBufferPointer, lineEndLength: Int, final: Bool = false) {
        let atLineStart = !midLine
        midLine = lineEndLength == 0
        let content = UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - lineEndLength)])
        if atLineStart, lineEndLength > 0 || final, content.count >= 2, content[0] == 0x2D, content[1] == 0x2D,
            content.count <= Self.maxLineCarry, let (level, closing) = matchDelimiter(content)
        {
            delimiter(at: level, closing: closing)
            return
        }
        switch mode {
        case .headers:
            if atLineStart && content.isEmpty && lineEndLength > 0 {
                endHeaders()
            } else if !headerTruncated && header.count + bytes.count <= limits.maxHeaderBytes {
                header.append(contentsOf: bytes)
            } else if !headerTruncated {
                headerTruncated = true
                note("header: block longer than \(limits.maxHeaderBytes) bytes, rest skipped")
            }
        case .text:
            if text.isFull {
                endLeaf()
                mode = .ignore
                return
            }
            feedText(content, lineEndLength: lineEndLength)
        case .ignore:
            break
        }
    }

    /// Whole lines of a body, none of which can be a delimiter line: what `piece` does line by line, at once.
    private mutating func bodyLines(_ lines: UnsafeRawBufferPointer) {
        midLine = false
        guard mode == .text else { return }
        if text.isFull {
            endLeaf()
            return
        }
        let lineEndLength = Self.lineEndLength(lines)
        let content = UnsafeRawBufferPointer(rebasing: lines[0..<(lines.count - lineEndLength)])
        feedText(content, lineEndLength: lineEndLength)
        // Nothing more can be taken: stop decoding now rather than at the next line.
        if text.isFull { endLeaf() }
    }

    /// A line end is held back until the next line shows it is not the one before a delimiter, which belongs to
    /// the delimiter (RFC 2046 section 5.1.1).
    private mutating func feedText(_ content: UnsafeRawBufferPointer, lineEndLength: Int) {
        if pendingLineEnd > 0 {
            let lineEnd: StaticString = pendingLineEnd == 2 ? "\r\n" : "\n"
            textPart!.feed(UnsafeRawBufferPointer(start: lineEnd.utf8Start, count: pendingLineEnd), into: &text)
            pendingLineEnd = 0
        }
        textPart!.feed(content, into: &text)
        pendingLineEnd = lineEndLength
    }

    /// `--boundary` or `--boundary--`, then only whitespace; the innermost multipart's delimiter first.
    private func matchDelimiter(_ content: UnsafeRawBufferPointer) -> (level: Int, closing: Bool)? {
        for level in frames.indices.reversed() {
            guard let delimiter = frames[level].delimiter, content.count >= delimiter.count else { continue }
            let matches = delimiter.withUnsafeBytes { memcmp($0.baseAddress!, content.baseAddress!, $0.count) == 0 }
            guard matches else { continue }
            var rest = content[delimiter.count...]
            var closing = false
            if rest.count >= 2, rest[rest.startIndex] == 0x2D, rest[rest.startIndex + 1] == 0x2D {
                closing = true
                rest = rest.dropFirst(2)
            }
            if rest.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return (level, closing) }
        }
        return nil
    }

    private mutating func delimiter(at level: Int, closing: Bool) {
        if mode == .headers { endHeaders() }
        endLeaf()
        if frames.count > level + 1 {
            if frames[(level + 1)...].contains(where: { $0.delimiter != nil && !$0.closed }) {
                note("multipart: missing final boundary of a nested multipart")
            }
            frames.removeSubrange((level + 1)...)
        }
        if closing {
            frames[level].closed = true
            mode = .ignore
            return
        }
        frames[level].closed = false
        frames[level].child += 1
        parts += 1
        header.removeAll(keepingCapacity: true)
        headerTruncated = false
        if parts > limits.maxParts {
            if parts == limits.maxParts + 1 { note("multipart: more than \(limits.maxParts) parts, rest skipped") }
            mode = .ignore
            return
        }
        partDefault = frames[level].isDigest ? .defaultDigestPart : .defaultText
        mode = .headers
    }

    // MARK: entities

    private mutating func endHeaders() {
        let fields = header.withUnsafeBytes { HeaderFields(parsing: $0) }
        header.removeAll(keepingCapacity: true)
        headerTruncated = false
        for problem in fields.problems { note(problem) }
        let isTop = inTopHeaders
        if inTopHeaders {
            inTopHeaders = false
            summarize(fields)
        }
        var type = partDefault
        if let value = fields["content-type"] {
            if let parsed = ContentType(parsing: value) {
                type = parsed
            } else {
                note("mime: unreadable Content-Type '\(value.prefix(60))'")
                type = .defaultText
            }
        }
        let disposition = fields["content-disposition"].map(ContentDisposition.init(parsing:))
        let encoding = TransferEncoding(headerValue: fields["content-transfer-encoding"])
        startBody(type: type, disposition: disposition, encoding: encoding, isTop: isTop)
    }

    private mutating func startBody(
        type: ContentType, disposition: ContentDisposition?, encoding: TransferEncoding, isTop: Bool
    ) {
        mode = .ignore
        partDefault = .defaultText
        let depth = frames.count
        switch type.type {
        case "multipart":
            guard let boundary = type.boundary?.trimmingASCIIWhitespace(), !boundary.isEmpty else {
                note("mime: \(type.mimeType) without a boundary")
                return
            }
            guard depth < limits.maxDepth else {
                note("mime: nested deeper than \(limits.maxDepth), inner parts skipped")
                return
            }
            var frame = Frame(delimiter: Array("--\(boundary)".utf8))
            frame.isAlternative = type.subtype == "alternative"
            frame.isDigest = type.subtype == "digest"
            frames.append(frame)
        case "message" where ["rfc822", "global", "news"].contains(type.subtype):
            if !isTop { summary.hasAttachments = true }
            guard encoding == .identity else { return }
            guard depth < limits.maxDepth else {
                note("mime: nested deeper than \(limits.maxDepth), inner parts skipped")
                return
            }
            frames.append(Frame(delimiter: nil))
            header.removeAll(keepingCapacity: true)
            mode = .headers
        default:
            if Self.isAttachment(type: type, disposition: disposition) { summary.hasAttachments = true }
            guard type.type == "text", type.subtype == "plain" || type.subtype == "html",
                disposition?.isAttachment != true, !text.isFull, alternativeWantsText()
            else { return }
            if case .unknown(let name) = encoding {
                note("mime: unknown Content-Transfer-Encoding '\(name)', part not indexed")
                return
            }
            var charset = CharsetDecoder.lenient
            if let label = type.charset {
                if let known = CharsetDecoder(label: label) {
                    charset = known
                } else {
                    note("charset: unknown '\(label.prefix(40))', read as UTF-8 or Windows-1252")
                }
            }
            textPart = TextPartDecoder(transfer: encoding, charset: charset, isHTML: type.subtype == "html")
            text.beginPart()
            textPartStart = text.count
            pendingLineEnd = 0
            mode = .text
        }
    }

    static let signatureTypes: Set<String> = [
        "application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature",
        "application/pgp-encrypted", "application/pgp-keys",
    ]

    static func isAttachment(type: ContentType, disposition: ContentDisposition?) -> Bool {
        if disposition?.isAttachment == true { return true }
        if type.type == "text" { return false }
        if signatureTypes.contains(type.mimeType) { return false }
        if disposition?.filename != nil || type.name != nil { return true }
        return type.type == "application"
    }

    private func alternativeWantsText() -> Bool {
        !frames.contains { $0.isAlternative && $0.textChild != nil && $0.textChild != $0.child }
    }

    private mutating func endLeaf() {
        pendingLineEnd = 0
        guard textPart != nil else { return }
        textPart!.finish(into: &text)
        textPart = nil
        let produced = text.bytes[textPartStart...].contains { !$0.isWhitespaceByte }
        if produced {
            for index in frames.indices where frames[index].isAlternative && frames[index].textChild == nil {
                frames[index].textChild = frames[index].child
            }
        }
        if mode == .text { mode = .ignore }
    }

    private mutating func summarize(_ fields: HeaderFields) {
        summary.messageID = fields["message-id"].flatMap(MessageSummary.messageID(fromHeader:))
        if let value = fields["date"] {
            summary.dateHeader = value
            summary.date = MailDate.parse(value)
            if summary.date == nil { note("date: unreadable '\(value.prefix(60))'") }
        }
        var problems: [String] = []
        summary.from = fields.values("from").flatMap { Address.parseList($0, problems: &problems) }
        summary.to = fields.values("to").flatMap { Address.parseList($0, problems: &problems) }
        summary.cc = fields.values("cc").flatMap { Address.parseList($0, problems: &problems) }
        for problem in problems { note(problem) }
        summary.subject = fields["subject"].map(EncodedWords.decode)
        summary.returnPath = fields["return-path"].map(Self.reversePath)
    }

    /// The path inside a Return-Path value: `<a@b>` gives `a@b`, `<>` gives "", text without
    /// brackets its first word.
    static func reversePath(_ value: String) -> String {
        let trimmed = value.trimmingASCIIWhitespace()
        if let open = trimmed.firstIndex(of: "<") {
            let inner = trimmed[trimmed.index(after: open)...]
            return String(inner[..<(inner.firstIndex(of: ">") ?? inner.endIndex)].trimmingASCIIWhitespace())
        }
        return String(trimmed.prefix { $0 != " " && $0 != "\t" })
    }

    private mutating func note(_ problem: String) {
        guard summary.problems.count < limits.maxProblems, !summary.problems.contains(problem) else { return }
        summary.problems.append(problem)
    }
}
