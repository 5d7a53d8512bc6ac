/// The search text of one message, as UTF-8, cut at a limit on a character boundary.
///
/// What comes past the limit is dropped, never buffered: the indexer stops decoding once `isFull`.
struct TextCollector {
    let limit: Int
    private(set) var bytes: [UInt8] = []
    private(set) var isFull = false
    /// A part separator is owed before the next byte, so empty parts add none.
    private var separatorPending = false

    init(limit: Int) {
        self.limit = max(0, limit)
        isFull = self.limit == 0
    }

    var count: Int { bytes.count }
    var lastByte: UInt8? { bytes.last }

    mutating func beginPart() {
        if !bytes.isEmpty { separatorPending = true }
    }

    /// Appends text that is valid UTF-8 as it is, dropping carriage returns and turning NUL into a space.
    mutating func appendPlain(_ text: UnsafeRawBufferPointer) {
        guard !isFull, !text.isEmpty else { return }
        writeSeparator()
        var index = 0
        let count = text.count
        while index < count {
            let end = ByteScan.firstOf(0x0D, 0, in: text, from: index)
            if end > index { append(UnsafeRawBufferPointer(rebasing: text[index..<end])) }
            if end < count, text[end] == 0 { append(byte: 0x20) }
            if isFull { return }
            index = end + 1
        }
    }

    mutating func append(byte: UInt8) {
        guard !isFull else { return }
        writeSeparator()
        if bytes.count < limit { bytes.append(byte) }
        if bytes.count >= limit { cut() }
    }

    mutating func append(_ text: UnsafeRawBufferPointer) {
        guard !isFull else { return }
        writeSeparator()
        let room = limit - bytes.count
        if text.count <= room {
            bytes.append(contentsOf: text)
            if bytes.count == limit { cut() }
        } else {
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[0..<room]))
            cut()
        }
    }

    mutating func append(_ text: [UInt8]) {
        text.withUnsafeBytes { append($0) }
    }

    /// The collected text, without leading or trailing whitespace.
    func text() -> String {
        var start = 0
        var end = bytes.count
        while start < end, bytes[start].isWhitespaceByte { start += 1 }
        while end > start, bytes[end - 1].isWhitespaceByte { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    private mutating func writeSeparator() {
        if separatorPending {
            separatorPending = false
            if bytes.last != UInt8(ascii: "\n") && bytes.count < limit { bytes.append(UInt8(ascii: "\n")) }
        }
    }

    /// At the limit: drop a character the limit cut in two, and take nothing more.
    private mutating func cut() {
        isFull = true
        var end = bytes.count
        while end > 0, bytes[end - 1] & 0xC0 == 0x80 { end -= 1 }
        if end > 0 {
            let lead = bytes[end - 1]
            let length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
            if bytes.count - (end - 1) < length { bytes.removeSubrange((end - 1)...) }
        }
    }
}
