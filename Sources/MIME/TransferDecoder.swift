/// A Content-Transfer-Encoding (RFC 2045 section 6).
public enum TransferEncoding: Sendable, Hashable {
    /// 7bit, 8bit, binary, or no header at all: the bytes are the content.
    case identity
    case quotedPrintable
    case base64
    /// A value nothing here decodes (x-uuencode, garbage); the part's content is unreadable.
    case unknown(String)

    /// The encoding named by a Content-Transfer-Encoding value; nil or empty means identity.
    public init(headerValue: String?) {
        guard let headerValue else {
            self = .identity
            return
        }
        var name = Substring(headerValue)
        if let end = name.firstIndex(where: { $0 == ";" || $0 == "(" }) { name = name[..<end] }
        switch name.trimmingASCIIWhitespace().lowercased() {
        case "", "7bit", "8bit", "binary", "7-bit", "8-bit", "none": self = .identity
        case "quoted-printable", "quotedprintable", "qp": self = .quotedPrintable
        case "base64", "base-64": self = .base64
        default: self = .unknown(String(headerValue.prefix(40)))
        }
    }
}

/// Undoes a transfer encoding chunk by chunk, tolerantly: nothing in the input is an error.
public struct TransferDecoder: Sendable {
    enum Kind: Sendable {
        case identity
        case quotedPrintable
        case base64
    }

    // Decoders as stored properties, not enum payloads, so that mutating them never copies their buffers.
    let kind: Kind
    var quotedPrintable = QuotedPrintableDecoder()
    var base64 = Base64Decoder()

    /// A decoder for `encoding`; `.unknown` passes bytes through, and callers decide whether to use them.
    public init(_ encoding: TransferEncoding) {
        switch encoding {
        case .identity, .unknown: kind = .identity
        case .quotedPrintable: kind = .quotedPrintable
        case .base64: kind = .base64
        }
    }

    public mutating func decode(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        switch kind {
        case .identity: output.append(contentsOf: input)
        case .quotedPrintable: quotedPrintable.decode(input, into: &output)
        case .base64: base64.decode(input, into: &output)
        }
    }

    public mutating func finish(into output: inout [UInt8]) {
        switch kind {
        case .identity: break
        case .quotedPrintable: quotedPrintable.finish(into: &output)
        case .base64: base64.finish(into: &output)
        }
    }

    /// Decodes a whole byte string.
    public static func decode(_ bytes: some Collection<UInt8>, encoding: TransferEncoding) -> [UInt8] {
        var decoder = TransferDecoder(encoding)
        var output: [UInt8] = []
        Array(bytes).withUnsafeBytes { decoder.decode($0, into: &output) }
        decoder.finish(into: &output)
        return output
    }
}

/// Base64 (RFC 2045 section 6.8) that skips whitespace and any other byte outside the alphabet, and takes `=` as the
/// end of a quantum, so that concatenated encodings and missing padding both decode.
struct Base64Decoder: Sendable {
    private var bits: UInt32 = 0
    private var count = 0

    static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(byte)] = UInt8(index)
        }
        // The URL-safe alphabet costs nothing to accept.
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        table[Int(UInt8(ascii: "="))] = 0xFE
        return table
    }()

    mutating func decode(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        output.reserveCapacity(output.count + input.count * 3 / 4 + 3)
        Self.values.withUnsafeBufferPointer { table in
            for byte in input {
                let value = table[Int(byte)]
                if value < 64 {
                    bits = bits << 6 | UInt32(value)
                    count += 1
                    if count == 4 {
                        output.append(UInt8(truncatingIfNeeded: bits >> 16))
                        output.append(UInt8(truncatingIfNeeded: bits >> 8))
                        output.append(UInt8(truncatingIfNeeded: bits))
                        bits = 0
                        count = 0
                    }
                } else if value == 0xFE {
                    flush(into: &output)
                }
            }
        }
    }

    mutating func finish(into output: inout [UInt8]) {
        flush(into: &output)
    }

    /// Emits the bytes of a partial quantum; a lone sextet carries no whole byte and is dropped.
    private mutating func flush(into output: inout [UInt8]) {
        switch count {
        case 2:
            output.append(UInt8(truncatingIfNeeded: bits >> 4))
        case 3:
            output.append(UInt8(truncatingIfNeeded: bits >> 10))
            output.append(UInt8(truncatingIfNeeded: bits >> 2))
        default:
            break
        }
        bits = 0
        count = 0
    }
}

/// Quoted-printable (RFC 2045 section 6.7): `=XX` escapes (either case), soft line breaks (`=` before CRLF or LF,
/// even with whitespace between), trailing whitespace of a line dropped, and a bad escape kept as written.
/// Line ends come out as LF.
struct QuotedPrintableDecoder: Sendable {
    enum State: Sendable {
        case text
        case equals
        case equalsHex(UInt8)
        case softBreakWhitespace
        case softBreakCR
    }

    private var state = State.text
    private var whitespace: [UInt8] = []

    mutating func decode(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        output.reserveCapacity(output.count + input.count)
        var index = 0
        let count = input.count
        while index < count {
            let byte = input[index]
            switch state {
            case .text:
                switch byte {
                case UInt8(ascii: "="):
                    flushWhitespace(into: &output)
                    state = .equals
                case UInt8(ascii: " "), UInt8(ascii: "\t"):
                    whitespace.append(byte)
                    if whitespace.count > 1024 { flushWhitespace(into: &output) }
                case UInt8(ascii: "\r"):
                    break
                case UInt8(ascii: "\n"):
                    whitespace.removeAll(keepingCapacity: true)
                    output.append(byte)
                default:
                    flushWhitespace(into: &output)
                    // Copy the run of plain bytes at once.
                    var end = index + 1
                    while end < count, Self.isPlain(input[end]) { end += 1 }
                    output.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[index..<end]))
                    index = end
                    continue
                }
            case .equals:
                if Self.hexValue(byte) != nil {
                    state = .equalsHex(byte)
                } else if byte == UInt8(ascii: "\r") {
                    state = .softBreakCR
                } else if byte == UInt8(ascii: "\n") {
                    state = .text
                } else if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                    // Maybe padding before a soft line break, maybe a lone "=" in text: keep it until we know.
                    whitespace.append(byte)
                    state = .softBreakWhitespace
                } else {
                    output.append(UInt8(ascii: "="))
                    state = .text
                    continue
                }
            case .equalsHex(let first):
                if let high = Self.hexValue(first), let low = Self.hexValue(byte) {
                    output.append(high << 4 | low)
                    state = .text
                } else {
                    output.append(UInt8(ascii: "="))
                    output.append(first)
                    state = .text
                    continue
                }
            case .softBreakWhitespace:
                if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                    if whitespace.count < 1024 { whitespace.append(byte) }
                } else if byte == UInt8(ascii: "\r") {
                    whitespace.removeAll(keepingCapacity: true)
                    state = .softBreakCR
                } else if byte == UInt8(ascii: "\n") {
                    whitespace.removeAll(keepingCapacity: true)
                    state = .text
                } else {
                    output.append(UInt8(ascii: "="))
                    flushWhitespace(into: &output)
                    state = .text
                    continue
                }
            case .softBreakCR:
                state = .text
                if byte != UInt8(ascii: "\n") { continue }
            }
            index += 1
        }
    }

    mutating func finish(into output: inout [UInt8]) {
        switch state {
        case .equals, .softBreakWhitespace:
            output.append(UInt8(ascii: "="))
            flushWhitespace(into: &output)
        case .equalsHex(let first):
            output.append(UInt8(ascii: "="))
            output.append(first)
        case .text, .softBreakCR:
            break
        }
        state = .text
        whitespace.removeAll()
    }

    private mutating func flushWhitespace(into output: inout [UInt8]) {
        if !whitespace.isEmpty {
            output.append(contentsOf: whitespace)
            whitespace.removeAll(keepingCapacity: true)
        }
    }

    @inline(__always)
    private static func isPlain(_ byte: UInt8) -> Bool {
        byte != UInt8(ascii: "=") && byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\t")
            && byte != UInt8(ascii: "\r") && byte != UInt8(ascii: "\n")
    }

    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}

extension Substring {
    /// Without leading and trailing spaces, tabs and line ends (no Foundation, no Unicode tables).
    func trimmingASCIIWhitespace() -> Substring {
        guard let first = utf8.firstIndex(where: { !$0.isWhitespaceByte }) else { return self[endIndex...] }
        let last = utf8.lastIndex(where: { !$0.isWhitespaceByte })!
        return self[first...last]
    }
}

extension String {
    func trimmingASCIIWhitespace() -> Substring { self[...].trimmingASCIIWhitespace() }
}
