import Foundation

/// What `mailferry search` looks for, parsed from the user's words.
///
/// The search index (`message_text`, migration 0001) is contentless with `detail = column`: it
/// knows which column of which message holds a term, not where. So every term becomes a single
/// FTS5 token, the tokens are ANDed, and a phrase (quoted words, or one word that splits into
/// several tokens, like `e-mail`) is confirmed afterwards against the message's text
/// (`SearchTerm.matches`).
///
/// Syntax: words (`invoice`), prefixes (`invoi*`), phrases (`"quarterly report"`), and a column
/// before either (`subject:invoice`, `body:"see you"`, `addresses:example.org`).
public struct SearchQuery: Sendable, Hashable {
    public var terms: [SearchTerm]

    public init(terms: [SearchTerm]) {
        self.terms = terms
    }

    public init(parsing text: String) {
        var terms: [SearchTerm] = []
        var rest = Substring(text)
        while true {
            rest = rest.drop { $0.isWhitespace }
            guard !rest.isEmpty else { break }
            var column: SearchTerm.Column?
            if let colon = rest.firstIndex(of: ":"), let named = SearchTerm.Column(rawValue: rest[..<colon].lowercased()),
                !rest[..<colon].contains(where: { $0.isWhitespace || $0 == "\"" })
            {
                column = named
                rest = rest[rest.index(after: colon)...]
            }
            let word: Substring
            var quoted = false
            if rest.first == "\"" {
                let inner = rest.dropFirst()
                let close = inner.firstIndex(of: "\"") ?? inner.endIndex
                word = inner[..<close]
                rest = close == inner.endIndex ? inner[close...] : inner[inner.index(after: close)...]
                quoted = true
            } else {
                let end = rest.firstIndex { $0.isWhitespace } ?? rest.endIndex
                word = rest[..<end]
                rest = rest[end...]
            }
            let prefix = !quoted && word.hasSuffix("*")
            let tokens = SearchTerm.tokens(of: String(prefix ? word.dropLast() : word))
            guard !tokens.isEmpty else { continue }
            terms.append(SearchTerm(column: column, tokens: tokens, prefix: prefix && tokens.count == 1))
        }
        self.terms = terms
    }

    /// The FTS5 MATCH expression: every token quoted (FTS5 syntax in the user's text stays text),
    /// all of them ANDed; nil when there is nothing to match.
    public var ftsExpression: String? {
        let parts = terms.flatMap { term in
            term.tokens.enumerated().map { index, token in
                let column = term.column.map { "\($0.ftsColumn) : " } ?? ""
                let star = term.prefix && index == term.tokens.count - 1 ? "*" : ""
                return column + "\"" + token.replacingOccurrences(of: "\"", with: "\"\"") + "\"" + star
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: " AND ")
    }

    /// The terms the index cannot decide alone: their tokens must follow one another.
    public var phrases: [SearchTerm] { terms.filter(\.isPhrase) }
}

/// One word, prefix or phrase of a search, with the column it is limited to.
public struct SearchTerm: Sendable, Hashable {
    public enum Column: String, Sendable, Hashable, CaseIterable {
        case subject
        case addresses
        case body
        /// `from:` and `to:` in a query name the addresses column (who, either way).
        case from
        case to

        /// The index column it searches.
        public var indexed: Column {
            switch self {
            case .subject: .subject
            case .addresses, .from, .to: .addresses
            case .body: .body
            }
        }

        var ftsColumn: String { indexed.rawValue }
    }

    public var column: Column?
    /// As the user wrote them (see `tokens(of:)`).
    public var tokens: [String]
    public var prefix: Bool

    public init(column: Column?, tokens: [String], prefix: Bool = false) {
        self.column = column
        self.tokens = tokens
        self.prefix = prefix
    }

    public var isPhrase: Bool { tokens.count > 1 }

    /// Splits text into the runs of letters and digits that the index's `unicode61` tokenizer
    /// makes tokens of. They stay as written: SQLite folds case and diacritics of a query's
    /// strings exactly as it folded the indexed text.
    public static func tokens(of text: String) -> [String] {
        text.split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    /// Tokens compared for a phrase: lower case, without diacritics (ß stays ß, as in the index).
    static func folded(_ text: String) -> [String] {
        tokens(of: text.lowercased().folding(options: .diacriticInsensitive, locale: nil))
    }

    /// True when the phrase's tokens follow one another in the text of its column (any column
    /// when it names none). `text` gives the text of an index column (subject, addresses, body).
    public func matches(_ text: (Column) -> String) -> Bool {
        let columns: [Column] = column.map { [$0.indexed] } ?? [.subject, .addresses, .body]
        let phrase = Self.folded(tokens.joined(separator: " "))
        return columns.contains { column in
            let words = Self.folded(text(column))
            guard words.count >= phrase.count else { return false }
            return (0...(words.count - phrase.count)).contains { start in
                words[start..<(start + phrase.count)].elementsEqual(phrase)
            }
        }
    }
}
