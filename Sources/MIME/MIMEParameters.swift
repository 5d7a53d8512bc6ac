/// The `; name=value` parameters of Content-Type and Content-Disposition (RFC 2045 section 5.1), with RFC 2231
/// continuations (`name*0`, `name*1`), charsets and percent-encoding (`name*=utf-8''%E2%82%AC`) undone.
public struct MIMEParameters: Sendable, Hashable {
    /// Names lowercased, in first-seen order; a continued or extended parameter appears once, decoded.
    public private(set) var pairs: [(name: String, value: String)] = []

    public init() {}

    /// The value of `name` (any case).
    public subscript(_ name: String) -> String? {
        let key = name.lowercased()
        return pairs.first { $0.name == key }?.value
    }

    public static func == (lhs: MIMEParameters, rhs: MIMEParameters) -> Bool {
        lhs.pairs.elementsEqual(rhs.pairs) { $0.name == $1.name && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for pair in pairs {
            hasher.combine(pair.name)
            hasher.combine(pair.value)
        }
    }

    /// Splits a header value into its leading token (`text/plain`, `attachment`) and parameters.
    ///
    /// Forgiving: comments are dropped, an unterminated quote runs to the end, a parameter without `=` is skipped,
    /// and encoded words (RFC 2047) inside plain values are decoded, since Outlook writes filenames so.
    static let maxParameters = 1000

    public static func split(_ value: String) -> (token: String, parameters: MIMEParameters) {
        let pieces = pieces(Array(value.utf8))
        let token = pieces.first.map { String(decoding: $0.name, as: UTF8.self) } ?? ""
        var parameters = MIMEParameters()
        // The usual few parameters without RFC 2231 sections: the first of each name wins, as below.
        if pieces.count <= 16, !pieces.dropFirst().contains(where: { $0.name.contains(UInt8(ascii: "*")) }) {
            for piece in pieces.dropFirst() {
                guard let raw = piece.value else { continue }
                let name = String(decoding: piece.name, as: UTF8.self).lowercased()
                guard !name.isEmpty, !parameters.pairs.contains(where: { $0.name == name }) else { continue }
                parameters.pairs.append((name, EncodedWords.decode(CharsetDecoder.decodeUndeclared(raw))))
            }
            return (token, parameters)
        }
        var extended: [String: [Int: (encoded: Bool, value: [UInt8])]] = [:]
        var order: [String] = []
        // Hostile headers carry thousands of parameters; real ones a handful.
        for piece in pieces.dropFirst().prefix(maxParameters) {
            guard let raw = piece.value else { continue }
            var name = String(decoding: piece.name, as: UTF8.self).lowercased()
            guard !name.isEmpty else { continue }
            guard let star = name.firstIndex(of: "*") else {
                if extended[name] == nil {
                    order.append(name)
                    extended[name] = [-1: (false, raw)]
                }
                continue
            }
            let suffix = name[name.index(after: star)...]
            name = String(name[..<star])
            let encoded = suffix.hasSuffix("*") || suffix.isEmpty
            let section = Int(suffix.hasSuffix("*") ? suffix.dropLast() : suffix) ?? 0
            if extended[name] == nil { order.append(name) }
            // An RFC 2231 value beats a plain one of the same name.
            extended[name, default: [:]][-1] = nil
            if extended[name]![section] == nil { extended[name]![section] = (encoded, raw) }
        }
        for name in order {
            guard let sections = extended[name]?.sorted(by: { $0.key < $1.key }).map({ (section: $0.key, encoded: $0.value.encoded, value: $0.value.value) }),
                let first = sections.first
            else { continue }
            if first.section == -1 {
                let plain = CharsetDecoder.decodeUndeclared(first.value)
                parameters.pairs.append((name, EncodedWords.decode(plain)))
                continue
            }
            var charset: String?
            var bytes: [UInt8] = []
            for (position, section) in sections.enumerated() {
                guard section.encoded else {
                    bytes.append(contentsOf: section.value)
                    continue
                }
                var text = section.value[...]
                if position == 0, first.section == 0, let quote = text.firstIndex(of: UInt8(ascii: "'")),
                    let second = text[(quote + 1)...].firstIndex(of: UInt8(ascii: "'"))
                {
                    charset = String(decoding: text[..<quote], as: UTF8.self)
                    text = text[(second + 1)...]
                }
                bytes.append(contentsOf: percentDecode(text))
            }
            let decoded =
                charset.flatMap { $0.isEmpty ? nil : CharsetDecoder.decode(bytes, label: $0) }
                ?? CharsetDecoder.decodeUndeclared(bytes)
            parameters.pairs.append((name, decoded))
        }
        return (token, parameters)
    }

    static func percentDecode(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == UInt8(ascii: "%"), index + 2 < text.endIndex,
                let high = QuotedPrintableDecoder.hexValue(text[index + 1]),
                let low = QuotedPrintableDecoder.hexValue(text[index + 2])
            {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(text[index])
                index += 1
            }
        }
        return output
    }

    /// `;`-separated pieces, each `name[=value]` with quotes and comments resolved. The first is the token.
    /// A quoted value is kept exactly (its spaces are part of it); bytes after its closing quote are dropped.
    static func pieces(_ bytes: [UInt8]) -> [(name: [UInt8], value: [UInt8]?)] {
        var result: [(name: [UInt8], value: [UInt8]?)] = []
        var name: [UInt8] = []
        var value: [UInt8]?
        var quoted: [UInt8]?
        var index = 0
        func finish() {
            result.append((trim(name), quoted ?? value.map { trim($0) }))
            name = []
            value = nil
            quoted = nil
        }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: ";"):
                finish()
            case UInt8(ascii: "(") where value == nil || quoted != nil || value!.last?.isWhitespaceByte != false:
                // Comments (RFC 2045 allows them); a parenthesis inside an unquoted word is a filename's.
                var depth = 0
                while index < bytes.count {
                    if bytes[index] == UInt8(ascii: "(") { depth += 1 }
                    if bytes[index] == UInt8(ascii: ")") { depth -= 1 }
                    if depth == 0 { break }
                    index += 1
                }
            case UInt8(ascii: "=") where value == nil && !result.isEmpty:
                value = []
            case UInt8(ascii: "\"") where value != nil && quoted == nil && trim(value!).isEmpty:
                index += 1
                var text: [UInt8] = []
                while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count { index += 1 }
                    text.append(bytes[index])
                    index += 1
                }
                quoted = text
            default:
                if quoted != nil { break }
                if value != nil { value!.append(byte) } else { name.append(byte) }
            }
            index += 1
        }
        finish()
        return result
    }

    static func trim(_ bytes: [UInt8]) -> [UInt8] {
        guard let start = bytes.firstIndex(where: { !$0.isWhitespaceByte }) else { return [] }
        let end = bytes.lastIndex { !$0.isWhitespaceByte }!
        return Array(bytes[start...end])
    }
}
