#if canImport(Glibc)
    import Glibc
#endif

/// Splits an mbox, streamed in chunks of any size, into its messages and unquotes their `From `
/// lines (RFC 4155 section 2; mboxo and mboxrd as described in qmail's mbox(5)).
///
/// Separators are recognised conservatively: a line that starts with `From `, stands at the top
/// of the file or after an empty line, and carries an asctime date (`From sender Www Mmm dd
/// hh:mm:ss yyyy`). The empty line before a separator (and the one at the end of the file)
/// belongs to the mbox, not to the message. Only the start of the current line (at most
/// `maximumFromLine` bytes) and one held-back empty line are kept between chunks, so a message of
/// any size passes through.
public struct MboxSplitter {
    /// How `>From ` lines are unquoted.
    public enum Variant: String, Sendable, CaseIterable {
        /// Every line of `>`s followed by `From ` loses one `>`.
        case mboxrd
        /// Only `>From ` (exactly one `>`) loses it: mboxo writers quote nothing else.
        case mboxo
    }

    public enum Event {
        /// A new message begins; its `From ` line.
        case start(MboxFromLine)
        /// Bytes of the current message.
        case bytes(UnsafeRawBufferPointer)
        /// The current message is complete.
        case end
    }

    /// The input is not an mbox: its first line is not a `From ` line.
    public struct NotAnMbox: Error, Sendable, Hashable, CustomStringConvertible {
        public var lineEndsInCROnly: Bool
        public init(lineEndsInCROnly: Bool) { self.lineEndsInCROnly = lineEndsInCROnly }
        public var description: String {
            lineEndsInCROnly
                ? "not an mbox: its lines end in a bare CR (old Mac line ends), and it has no `From ` line at the top"
                : "not an mbox: the first line is not a `From ` line with a date"
        }
    }

    public static let maximumFromLine = 1024
    static let from = Array("From ".utf8)

    public let variant: Variant
    var head: [UInt8] = []
    /// The current line's start is still being collected into `head`.
    var collecting = true
    var heldBlank: [UInt8]?
    var previousBlank = false
    var inMessage = false
    public private(set) var messages = 0
    /// Lines of `>>From ` seen: where mboxo and mboxrd differ.
    public private(set) var ambiguousLines = 0

    public init(variant: Variant) {
        self.variant = variant
    }

    /// Feeds the next chunk; events are handed to `body` as they are found.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ body: (Event) throws -> Void) throws {
        guard let base = chunk.baseAddress else { return }
        var index = 0
        while index < chunk.count {
            if collecting {
                let room = Self.maximumFromLine - head.count
                let available = min(room, chunk.count - index)
                if let newline = memchr(base + index, 0x0A, available) {
                    let end = UnsafeRawPointer(newline) - base + 1
                    head.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[index..<end]))
                    index = end
                    try decide(complete: true, body)
                    continue
                }
                head.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[index..<index + available]))
                index += available
                if head.count >= Self.maximumFromLine { try decide(complete: false, body) }
                continue
            }
            // The rest of a long line passes through as it is.
            guard let newline = memchr(base + index, 0x0A, chunk.count - index) else {
                try body(.bytes(UnsafeRawBufferPointer(rebasing: chunk[index...])))
                return
            }
            let end = UnsafeRawPointer(newline) - base + 1
            try body(.bytes(UnsafeRawBufferPointer(rebasing: chunk[index..<end])))
            index = end
            collecting = true
            previousBlank = false
        }
    }

    /// Ends the input: the last message ends (without the mbox's final empty line).
    public mutating func finish(_ body: (Event) throws -> Void) throws {
        if collecting, !head.isEmpty { try decide(complete: false, body) }
        if !inMessage, messages == 0 { throw NotAnMbox(lineEndsInCROnly: false) }
        heldBlank = nil
        if inMessage {
            inMessage = false
            try body(.end)
        }
    }

    mutating func decide(complete: Bool, _ body: (Event) throws -> Void) throws {
        defer { head.removeAll(keepingCapacity: true) }
        let line = head
        let blank = complete && (line == [0x0A] || line == [0x0D, 0x0A])
        if complete, previousBlank || messages == 0, line.starts(with: Self.from), let parsed = MboxFromLine(line) {
            heldBlank = nil
            if inMessage { try body(.end) }
            inMessage = true
            messages += 1
            previousBlank = false
            try body(.start(parsed))
            return
        }
        guard inMessage else {
            throw NotAnMbox(lineEndsInCROnly: !line.contains(0x0A) && line.contains(0x0D))
        }
        if let held = heldBlank.take() { try held.withUnsafeBytes { try body(.bytes($0)) } }
        collecting = complete
        previousBlank = blank
        if blank {
            heldBlank = line
            return
        }
        var quotes = 0
        while quotes < line.count, line[quotes] == UInt8(ascii: ">") { quotes += 1 }
        var drop = 0
        if quotes > 0, line[quotes...].starts(with: Self.from) {
            if quotes > 1 { ambiguousLines += 1 }
            switch variant {
            case .mboxrd: drop = 1
            case .mboxo: drop = quotes == 1 ? 1 : 0
            }
        }
        try line.withUnsafeBytes { try body(.bytes(UnsafeRawBufferPointer(rebasing: $0[drop...]))) }
    }
}

/// An mbox separator line: `From <sender> <asctime date>`, the date perhaps with a zone.
public struct MboxFromLine: Sendable, Hashable {
    public var sender: String
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    /// Minutes east of UTC; 0 when the line names no zone (the usual asctime in UTC).
    public var zoneMinutes: Int

    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Parses a `From ` line (with or without its line end); nil when it has no asctime date.
    public init?(_ line: [UInt8]) {
        guard line.starts(with: MboxSplitter.from) else { return nil }
        let text = String(decoding: line.dropFirst(5), as: UTF8.self)
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }).map(String.init)
        guard words.count >= 5 else { return nil }
        guard let monthIndex = words.indices.dropFirst().first(where: { Self.months.contains(words[$0].lowercased()) }),
            monthIndex + 2 < words.count
        else { return nil }
        sender = words[0]
        month = Self.months.firstIndex(of: words[monthIndex].lowercased())! + 1
        guard let day = Int(words[monthIndex + 1]), (1...31).contains(day) else { return nil }
        self.day = day
        let time = words[monthIndex + 2].split(separator: ":").map { Int($0) }
        guard time.count >= 2, time.count <= 3, time.allSatisfy({ $0 != nil }) else { return nil }
        hour = time[0]!
        minute = time[1]!
        second = time.count == 3 ? time[2]! : 0
        guard hour < 24, minute < 60, second < 61 else { return nil }
        var year: Int?
        var zone = 0
        for word in words[(monthIndex + 3)...] {
            if word.count == 4, let value = Int(word), value > 1900 {
                year = value
            } else if word.count == 5, let sign = word.first, sign == "+" || sign == "-", let value = Int(word.dropFirst()) {
                zone = (value / 100 * 60 + value % 100) * (sign == "-" ? -1 : 1)
            }
        }
        guard let year else { return nil }
        self.year = year
        zoneMinutes = zone
    }
}
