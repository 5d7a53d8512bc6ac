/// The header fields of a message or MIME part, in order, raw and unfolded (RFC 5322 section 2.2).
///
/// Parsing never fails: a line that is neither a field nor a continuation is skipped and named in `problems`.
public struct HeaderFields: Sendable, Hashable {
    /// One field as it appeared.
    public struct Field: Sendable, Hashable {
        /// The name as written, without surrounding whitespace.
        public var name: String
        /// The bytes after the colon, folding line ends included, without the final line end.
        public var rawValue: [UInt8]
        /// The value unfolded (line ends before whitespace removed), trimmed; raw 8-bit bytes read as UTF-8 when
        /// valid, else Windows-1252. Encoded words (RFC 2047) are left as they are.
        public var value: String

        public init(name: String, rawValue: [UInt8]) {
            self.name = name
            self.rawValue = rawValue
            self.value = Self.unfold(rawValue)
        }

        /// RFC 5322 section 2.2.3: unfolding removes each CRLF (or bare LF) that precedes whitespace.
        static func unfold(_ raw: [UInt8]) -> String {
            if !raw.contains(UInt8(ascii: "\n")) { return trimmedText(raw[...]) }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(raw.count)
            for byte in raw where byte != UInt8(ascii: "\r") && byte != UInt8(ascii: "\n") {
                bytes.append(byte)
            }
            return trimmedText(bytes[...])
        }

        private static func trimmedText(_ bytes: ArraySlice<UInt8>) -> String {
            let start = bytes.firstIndex { !$0.isWhitespaceByte } ?? bytes.endIndex
            let end = (bytes.lastIndex { !$0.isWhitespaceByte }).map { $0 + 1 } ?? start
            return CharsetDecoder.decodeUndeclared(bytes[start..<max(start, end)])
        }
    }

    public private(set) var fields: [Field] = []
    /// What was malformed, for a report.
    public private(set) var problems: [String] = []
    private var keys: [[UInt8]] = []

    public init() {}

    public init(fields: [Field]) {
        for field in fields { append(field) }
    }

    /// Parses a header block; a blank line, if present, ends it and nothing after it is read.
    public init(parsing bytes: UnsafeRawBufferPointer) {
        var lineStart = 0
        var current: (name: String, raw: [UInt8])?
        var previousLineHadCR = false
        let count = bytes.count
        while lineStart < count {
            var lineEnd = lineStart
            while lineEnd < count && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            var contentEnd = lineEnd
            if contentEnd > lineStart && bytes[contentEnd - 1] == UInt8(ascii: "\r") { contentEnd -= 1 }
            let line = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<contentEnd])
            let next = min(lineEnd + 1, count)
            if line.isEmpty { break }
            if line[0] == UInt8(ascii: " ") || line[0] == UInt8(ascii: "\t") {
                if current != nil {
                    if previousLineHadCR { current!.raw.append(UInt8(ascii: "\r")) }
                    current!.raw.append(UInt8(ascii: "\n"))
                    current!.raw.append(contentsOf: line)
                } else {
                    noteProblem("header: continuation line before any field")
                }
            } else if let colon = line.firstIndex(of: UInt8(ascii: ":")), let name = Self.fieldName(line[..<colon]) {
                if let done = current { append(Field(name: done.name, rawValue: done.raw)) }
                current = (name, Array(UnsafeRawBufferPointer(rebasing: line[(colon + 1)...])))
            } else {
                if let done = current { append(Field(name: done.name, rawValue: done.raw)) }
                current = nil
                noteProblem("header: line that is not a field: \(Self.excerpt(line))")
            }
            previousLineHadCR = contentEnd < lineEnd
            lineStart = next
        }
        if let done = current { append(Field(name: done.name, rawValue: done.raw)) }
    }

    public init(parsing bytes: some Collection<UInt8>) {
        if let parsed = bytes.withContiguousStorageIfAvailable({ HeaderFields(parsing: UnsafeRawBufferPointer($0)) }) {
            self = parsed
        } else {
            self = Array(bytes).withUnsafeBytes { HeaderFields(parsing: $0) }
        }
    }

    public mutating func append(_ field: Field) {
        fields.append(field)
        keys.append(Self.key(field.name))
    }

    /// The first value of the field named `name` (any case).
    public subscript(_ name: String) -> String? {
        let key = Self.key(name)
        return keys.firstIndex(of: key).map { fields[$0].value }
    }

    /// Every value of the fields named `name` (any case), in order.
    public func values(_ name: String) -> [String] {
        fields(named: name).map(\.value)
    }

    public func fields(named name: String) -> [Field] {
        let key = Self.key(name)
        return keys.indices.filter { keys[$0] == key }.map { fields[$0] }
    }

    mutating func noteProblem(_ problem: String) {
        if problems.count < 20 { problems.append(problem) }
    }

    static func key(_ name: String) -> [UInt8] {
        name.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
    }

    /// RFC 5322 field-name: printable ASCII but the colon; whitespace before the colon is the obsolete form.
    static func fieldName(_ bytes: Slice<UnsafeRawBufferPointer>) -> String? {
        var end = bytes.endIndex
        while end > bytes.startIndex && bytes[end - 1].isWhitespaceByte { end -= 1 }
        let name = bytes[bytes.startIndex..<end]
        guard !name.isEmpty, name.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return String(decoding: name, as: UTF8.self)
    }

    static func excerpt(_ line: UnsafeRawBufferPointer) -> String {
        let text = CharsetDecoder.decodeUndeclared(line.prefix(60))
        return line.count > 60 ? text + "…" : text
    }
}

extension UInt8 {
    var isWhitespaceByte: Bool { self == 0x20 || self == 0x09 || self == 0x0D || self == 0x0A }
}
