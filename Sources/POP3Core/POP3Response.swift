import NIOCore

/// A POP3 server's one-line answer (RFC 1939 §3, RFC 2449 §8 response codes, RFC 5034 §4 SASL).
public enum POP3Response: Hashable, Sendable {
    /// `+OK [CODE] text`
    case ok(code: String?, text: String)
    /// `-ERR [CODE] text`: `[IN-USE]`, `[LOGIN-DELAY]`, `[SYS/TEMP]`, `[AUTH]` ...
    case err(code: String?, text: String)
    /// `+ base64`: a SASL challenge (RFC 5034).
    case continuation(String)

    public var isOK: Bool {
        if case .ok = self { return true }
        return false
    }

    /// The text after the status and response code.
    public var text: String {
        switch self {
        case .ok(_, let text), .err(_, let text): text
        case .continuation(let text): text
        }
    }

    public var code: String? {
        switch self {
        case .ok(let code, _), .err(let code, _): code
        case .continuation: nil
        }
    }

    /// status-line = ("+OK" / "-ERR") [SP [resp-code SP] text]      resp-code = "[" resp-level *("/" resp-level) "]"
    ///
    /// Lenient as servers are: any case, extra or missing spaces, a code glued to the status. `line`
    /// holds the line without its CRLF (or bare LF).
    public static func parse(_ line: ByteBuffer) throws(POP3ParseError) -> POP3Response {
        let bytes = Array(line.readableBytesView)
        var index = 0
        func matches(_ word: String) -> Bool {
            let expected = Array(word.utf8)
            guard bytes.count >= expected.count else { return false }
            for (offset, byte) in expected.enumerated() where ASCII.uppercased(bytes[offset]) != byte { return false }
            return true
        }
        let isOK: Bool
        if matches("+OK") {
            isOK = true
            index = 3
        } else if matches("-ERR") {
            isOK = false
            index = 4
        } else if bytes.first == ASCII.plus, bytes.count == 1 || bytes[1] == ASCII.space {
            // RFC 5034: "+" SP [base64]; some servers send a bare "+".
            let rest = bytes.dropFirst(min(2, bytes.count))
            return .continuation(String(decoding: rest, as: UTF8.self).trimmingSpaces())
        } else {
            throw .invalidStatus(line: POP3ParseError.excerpt(bytes))
        }
        // "+OKAY" is not a status: the keyword must end here.
        if index < bytes.count, bytes[index] != ASCII.space, bytes[index] != ASCII.openBracket, bytes[index] != ASCII.tab {
            throw .invalidStatus(line: POP3ParseError.excerpt(bytes))
        }
        while index < bytes.count, bytes[index] == ASCII.space || bytes[index] == ASCII.tab { index += 1 }
        var code: String?
        if index < bytes.count, bytes[index] == ASCII.openBracket,
            let close = bytes[index...].firstIndex(of: ASCII.closeBracket)
        {
            code = String(decoding: bytes[(index + 1)..<close], as: UTF8.self).uppercased()
            index = close + 1
        }
        let text = String(decoding: bytes[index...], as: UTF8.self).trimmingSpaces()
        return isOK ? .ok(code: code, text: text) : .err(code: code, text: text)
    }
}

extension POP3Response: CustomStringConvertible {
    public var description: String {
        switch self {
        case .ok(let code, let text): "+OK" + (code.map { " [\($0)]" } ?? "") + (text.isEmpty ? "" : " " + text)
        case .err(let code, let text): "-ERR" + (code.map { " [\($0)]" } ?? "") + (text.isEmpty ? "" : " " + text)
        case .continuation(let text): "+ " + text
        }
    }
}

extension String {
    func trimmingSpaces() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(scalars[first...last])
    }
}

/// The bytes POP3 cares about.
enum ASCII {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let plus: UInt8 = 0x2B
    static let minus: UInt8 = 0x2D
    static let dot: UInt8 = 0x2E
    static let percent: UInt8 = 0x25
    static let openBracket: UInt8 = 0x5B
    static let closeBracket: UInt8 = 0x5D

    static func uppercased(_ byte: UInt8) -> UInt8 { (0x61...0x7A).contains(byte) ? byte - 0x20 : byte }
    static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
}
