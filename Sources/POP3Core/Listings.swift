import NIOCore

/// One message of a LIST answer: its number in this session and its size in octets.
public struct ScanListing: Hashable, Sendable {
    public var number: Int
    public var size: Int

    public init(number: Int, size: Int) {
        self.number = number
        self.size = size
    }

    /// scan-listing = msg SP size [SP *VCHAR]    (RFC 1939 §5 LIST: what follows the size is ignored)
    public static func parse(_ line: ByteBuffer) throws(POP3ParseError) -> ScanListing {
        let words = Words(line)
        guard let number = words.number(0, rule: "scan listing"), number > 0,
            let size = words.number(1, rule: "scan listing")
        else { throw .invalid(rule: "scan listing", line: POP3ParseError.excerpt(line.readableBytesView)) }
        return ScanListing(number: number, size: size)
    }
}

/// The answer to STAT: how many messages, how many octets.
public struct DropListing: Hashable, Sendable {
    public var count: Int
    public var size: Int

    /// drop-listing = count SP size [SP *VCHAR]    (the text of STAT's +OK, RFC 1939 §5)
    public static func parse(_ text: String) throws(POP3ParseError) -> DropListing {
        let words = Words(ByteBuffer(string: text))
        guard let count = words.number(0, rule: "STAT"), let size = words.number(1, rule: "STAT") else {
            throw .invalid(rule: "STAT answer", line: POP3ParseError.excerpt(text.utf8))
        }
        return DropListing(count: count, size: size)
    }
}

/// One message of a UIDL answer: its number in this session and its unique-id.
public struct UniqueIDListing: Hashable, Sendable {
    public var number: Int
    /// The unique-id as text: printable ASCII as sent; any other byte, and "%", as `%XX`, so that
    /// distinct ids stay distinct whatever a server sends.
    public var uid: String

    /// Longest unique-id accepted (RFC 1939 says 70; some servers go further).
    public static let maximumLength = 512

    /// unique-id-listing = msg SP unique-id     unique-id = 1*70 (%x21-7E)    (RFC 1939 §7 UIDL)
    public static func parse(_ line: ByteBuffer) throws(POP3ParseError) -> UniqueIDListing {
        let words = Words(line)
        guard let number = words.number(0, rule: "unique-id listing"), number > 0, let raw = words.word(1),
            raw.count <= maximumLength
        else { throw .invalid(rule: "unique-id listing", line: POP3ParseError.excerpt(line.readableBytesView)) }
        return UniqueIDListing(number: number, uid: escape(raw))
    }

    static func escape(_ bytes: ArraySlice<UInt8>) -> String {
        var text = ""
        text.reserveCapacity(bytes.count)
        for byte in bytes {
            if (0x21...0x7E).contains(byte), byte != ASCII.percent {
                text.unicodeScalars.append(UnicodeScalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                text += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return text
    }
}

/// What CAPA announced (RFC 2449): capability names, uppercased, with their arguments.
public struct POP3Capabilities: Hashable, Sendable {
    public private(set) var entries: [String: [String]] = [:]

    public init() {}

    /// Reads CAPA's lines (without the terminating "."). Blank lines are skipped.
    public init(lines: [ByteBuffer]) {
        for line in lines {
            let text = String(decoding: line.readableBytesView, as: UTF8.self)
            let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let name = words.first else { continue }
            entries[name.uppercased()] = Array(words.dropFirst())
        }
    }

    public func contains(_ name: String) -> Bool { entries[name.uppercased()] != nil }

    public func arguments(_ name: String) -> [String] { entries[name.uppercased()] ?? [] }

    /// SASL mechanisms (`SASL PLAIN XOAUTH2`), uppercased.
    public var saslMechanisms: Set<String> { Set(arguments("SASL").map { $0.uppercased() }) }

    public var names: [String] { entries.keys.sorted() }
}

/// The space-separated words of a line, as byte slices.
struct Words {
    let words: [ArraySlice<UInt8>]

    init(_ line: ByteBuffer) {
        let bytes = Array(line.readableBytesView)
        words = bytes.split(whereSeparator: { $0 == ASCII.space || $0 == ASCII.tab })
    }

    func word(_ index: Int) -> ArraySlice<UInt8>? { index < words.count ? words[index] : nil }

    /// A decimal number of at most 18 digits (no sign): anything else is nil.
    func number(_ index: Int, rule: String) -> Int? {
        guard let word = word(index), !word.isEmpty, word.count <= 18, word.allSatisfy(ASCII.isDigit) else {
            return nil
        }
        return word.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }
}
