/// A forgiving reader of RFC 5322 address lists, obsolete forms included (section 4.4).
///
/// First a tokenizer (atoms, quoted strings, comments, domain literals, specials), then one mailbox per run of
/// tokens between commas or semicolons; a group's `name:` opens it and `;` closes it. Whatever cannot be a mailbox
/// is skipped and named in `problems`.
struct AddressListParser {
    enum Kind: Equatable {
        case atom
        case quoted
        case comment
        case domainLiteral
        case special(UInt8)
    }

    struct Token {
        var kind: Kind
        var text: [UInt8]
        /// Whitespace (or a comment) separated it from the token before.
        var spaced: Bool
    }

    let input: [UInt8]
    private(set) var problems: [String] = []

    init(_ input: [UInt8]) {
        self.input = input
    }

    mutating func parse() -> [Address] {
        let tokens = tokenize()
        var addresses: [Address] = []
        var unit: [Token] = []
        var unitHasAt = false
        var angleDepth = 0
        for token in tokens {
            switch token.kind {
            case .special(UInt8(ascii: "<")):
                angleDepth += 1
                unit.append(token)
            case .special(UInt8(ascii: ">")):
                angleDepth = max(0, angleDepth - 1)
                unit.append(token)
            case .special(UInt8(ascii: ",")) where angleDepth == 0,
                .special(UInt8(ascii: ";")):
                // Outlook users paste lists separated by semicolons: a semicolon ends a mailbox, in a group or not.
                finishUnit(&unit, into: &addresses)
                unitHasAt = false
                angleDepth = 0
            case .special(UInt8(ascii: ":")) where angleDepth == 0 && !unitHasAt:
                // `display-name ":"` opens a group: the name is not a mailbox.
                unit.removeAll()
            default:
                if token.kind == .special(UInt8(ascii: "@")) { unitHasAt = true }
                unit.append(token)
            }
        }
        finishUnit(&unit, into: &addresses)
        return addresses
    }

    private mutating func finishUnit(_ unit: inout [Token], into addresses: inout [Address]) {
        defer { unit.removeAll() }
        guard unit.contains(where: { $0.kind != .comment }) else { return }
        if let open = unit.firstIndex(where: { $0.kind == .special(UInt8(ascii: "<")) }) {
            let close = unit[open...].firstIndex { $0.kind == .special(UInt8(ascii: ">")) } ?? unit.endIndex
            var inside = Array(unit[(open + 1)..<close])
            // obs-route: `<@relay1,@relay2:user@domain>` names relays, not the mailbox.
            if let colon = inside.lastIndex(where: { $0.kind == .special(UInt8(ascii: ":")) }) {
                inside.removeSubrange(...colon)
            }
            let email = Self.addrSpec(inside)
            guard !email.isEmpty else {
                if !(unit.count == 2 && close < unit.endIndex) { problems.append("address: empty <> in \(excerpt)") }
                return
            }
            let trailing = close < unit.endIndex ? unit[(close + 1)...] : []
            let name = Self.phrase(unit[..<open]) ?? Self.commentName(unit[..<open] + trailing + inside)
            addresses.append(Address(name: name, email: email))
            return
        }
        let words = Self.words(unit.filter { $0.kind != .comment })
        if let at = words.firstIndex(where: { word in word.contains { $0.kind == .special(UInt8(ascii: "@")) } }) {
            let name = Self.phrase(words[..<at].joined()) ?? Self.commentName(unit[...])
            addresses.append(Address(name: name, email: Self.addrSpec(words[at])))
            for extra in words[(at + 1)...] where extra.contains(where: { $0.kind == .special(UInt8(ascii: "@")) }) {
                // Two addresses with no comma between them.
                addresses.append(Address(name: nil, email: Self.addrSpec(extra)))
            }
        } else if words.count == 1, words[0].allSatisfy({ $0.kind == .atom }) {
            // A local mailbox, as old Unix mail wrote it: `To: root`.
            addresses.append(Address(name: Self.commentName(unit[...]), email: Self.addrSpec(words[0])))
        } else {
            problems.append("address: no mailbox in \(excerpt)")
        }
    }

    private var excerpt: String {
        let text = String(decoding: input.prefix(80), as: UTF8.self)
        return "'" + (input.count > 80 ? text + "…" : text) + "'"
    }

    /// Tokens joined as an addr-spec: no whitespace, comments dropped, quoted local parts quoted again.
    static func addrSpec(_ tokens: [Token]) -> String {
        var bytes: [UInt8] = []
        for token in tokens {
            switch token.kind {
            case .comment, .special(UInt8(ascii: "<")), .special(UInt8(ascii: ">")), .special(UInt8(ascii: ",")),
                .special(UInt8(ascii: ":")):
                continue
            case .quoted:
                bytes.append(UInt8(ascii: "\""))
                for byte in token.text {
                    if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
                    bytes.append(byte)
                }
                bytes.append(UInt8(ascii: "\""))
            default:
                bytes.append(contentsOf: token.text)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Splits tokens where whitespace separates them, except around `@` and `.`, which join an addr-spec even
    /// with obsolete whitespace around them.
    static func words(_ tokens: [Token]) -> [[Token]] {
        var words: [[Token]] = []
        for token in tokens {
            let joins: Bool
            if let last = words.last?.last {
                let at = Kind.special(UInt8(ascii: "@"))
                joins = !token.spaced || token.kind == at || last.kind == at
                    || token.text.first == UInt8(ascii: ".") || last.text.last == UInt8(ascii: ".")
            } else {
                joins = false
            }
            if joins { words[words.count - 1].append(token) } else { words.append([token]) }
        }
        return words
    }

    /// A display name: its words joined by single spaces, RFC 2047 decoded; nil when empty.
    static func phrase(_ tokens: some Collection<Token>) -> String? {
        var bytes: [UInt8] = []
        for token in tokens where token.kind != .comment {
            if case .special = token.kind, token.text != [UInt8(ascii: ".")] { continue }
            if !bytes.isEmpty && token.spaced { bytes.append(UInt8(ascii: " ")) }
            bytes.append(contentsOf: token.text)
        }
        return cleanName(bytes)
    }

    /// The first non-empty comment, the old `user@host (Full Name)` convention.
    static func commentName(_ tokens: some Collection<Token>) -> String? {
        for token in tokens where token.kind == .comment {
            if let name = cleanName(token.text) { return name }
        }
        return nil
    }

    static func cleanName(_ bytes: [UInt8]) -> String? {
        var text = EncodedWords.decode(String(decoding: bytes, as: UTF8.self)).trimmingASCIIWhitespace()
        if text.count >= 2, text.first == "'", text.last == "'" {
            text = text.dropFirst().dropLast().trimmingASCIIWhitespace()
        }
        return text.isEmpty ? nil : String(text)
    }

    // MARK: tokens

    func tokenize() -> [Token] {
        var tokens: [Token] = []
        var index = 0
        var spaced = false
        let count = input.count
        while index < count {
            let byte = input[index]
            switch byte {
            case 0x20, 0x09, 0x0D, 0x0A:
                spaced = true
                index += 1
                continue
            case UInt8(ascii: "("):
                let (text, end) = Self.delimited(input, from: index + 1, open: UInt8(ascii: "("), close: UInt8(ascii: ")"))
                tokens.append(Token(kind: .comment, text: text, spaced: spaced))
                index = end
                spaced = true
                continue
            case UInt8(ascii: "\""):
                let (text, end) = Self.delimited(input, from: index + 1, open: nil, close: UInt8(ascii: "\""))
                tokens.append(Token(kind: .quoted, text: text, spaced: spaced))
                index = end
            case UInt8(ascii: "["):
                var end = index + 1
                while end < count && input[end] != UInt8(ascii: "]") { end += 1 }
                end = min(end + 1, count)
                tokens.append(Token(kind: .domainLiteral, text: Array(input[index..<end]), spaced: spaced))
                index = end
            case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"),
                UInt8(ascii: "@"):
                tokens.append(Token(kind: .special(byte), text: [byte], spaced: spaced))
                index += 1
            case UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "\\"):
                // Stray closers and backslashes carry nothing.
                index += 1
            default:
                var end = index + 1
                while end < count && !Self.endsAtom(input[end]) { end += 1 }
                tokens.append(Token(kind: .atom, text: Array(input[index..<end]), spaced: spaced))
                index = end
            }
            spaced = false
        }
        return tokens
    }

    static func endsAtom(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x20, 0x09, 0x0D, 0x0A, UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\""), UInt8(ascii: "["),
            UInt8(ascii: "]"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ","), UInt8(ascii: ";"),
            UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "\\"):
            return true
        default:
            return false
        }
    }

    /// The content of a quoted string or (nested) comment, escapes undone; an unterminated one runs to the end.
    static func delimited(_ input: [UInt8], from start: Int, open: UInt8?, close: UInt8) -> ([UInt8], Int) {
        var text: [UInt8] = []
        var depth = 1
        var index = start
        while index < input.count {
            let byte = input[index]
            if byte == UInt8(ascii: "\\"), index + 1 < input.count {
                text.append(input[index + 1])
                index += 2
                continue
            }
            if byte == close {
                depth -= 1
                if depth == 0 { return (text, index + 1) }
            } else if let open, byte == open {
                depth += 1
            }
            text.append(byte)
            index += 1
        }
        return (text, index)
    }
}
