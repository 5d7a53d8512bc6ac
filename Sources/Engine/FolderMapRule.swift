import Foundation

/// One folder rename rule: the first rule whose pattern matches a source folder's decoded name (as
/// `mailferry folders` shows it) decides where the folder goes.
///
/// The target is written with `/` between hierarchy levels and without the destination's namespace
/// prefix (mailferry translates both), or exactly as the destination spells it when it starts with
/// the destination's personal prefix (`INBOX.Archives.2023`). `$1`…`$9` (or `${12}`) insert what a
/// capture group matched, with the source's delimiter turned into levels; `$$` is a dollar sign.
public struct FolderMapRule: Sendable, Hashable, CustomStringConvertible {
    public enum Pattern: Sendable, Hashable {
        /// The whole name, `INBOX` in any case.
        case exact(String)
        /// `*` anything, `%` anything within one level, `?` one character; each wildcard is a capture.
        case glob(String)
        /// An ICU regular expression, searched in the name (anchor it with `^…$`).
        case regex(String)
    }

    public var pattern: Pattern
    public var target: String

    public init(_ pattern: Pattern, to target: String) {
        self.pattern = pattern
        self.target = target
    }

    /// A rule from the command line: `FROM=TO`, where FROM is a glob when it holds `*`, `%` or `?` and an
    /// exact name otherwise (cut at the first `=`), or `/REGEX/=TO` (cut at the last `/=`, since a
    /// regex may hold `=`).
    public static func parse(_ text: String) -> FolderMapRule? {
        if text.hasPrefix("/"), let end = text.range(of: "/=", options: .backwards), end.lowerBound > text.startIndex {
            let regex = String(text[text.index(after: text.startIndex)..<end.lowerBound])
            let to = String(text[end.upperBound...])
            if !regex.isEmpty, !to.isEmpty { return FolderMapRule(.regex(regex), to: to) }
        }
        guard let equals = text.firstIndex(of: "=") else { return nil }
        let from = String(text[..<equals])
        let to = String(text[text.index(after: equals)...])
        guard !from.isEmpty, !to.isEmpty else { return nil }
        return FolderMapRule(from.contains(where: { "*%?".contains($0) }) ? .glob(from) : .exact(from), to: to)
    }

    public var description: String {
        switch pattern {
        case .exact(let name): "\(name) → \(target)"
        case .glob(let glob): "\(glob) → \(target)"
        case .regex(let regex): "/\(regex)/ → \(target)"
        }
    }

    /// The compiled pattern; throws for a regex ICU does not accept.
    func compile(delimiter: Character?) throws -> NSRegularExpression {
        let source: String
        switch pattern {
        case .exact(let name):
            source = "^" + NSRegularExpression.escapedPattern(for: FolderFilter.normalized(name)) + "$"
        case .glob(let glob):
            source = "^" + Self.regex(forGlob: FolderFilter.normalized(glob), delimiter: delimiter) + "$"
        case .regex(let regex):
            source = regex
        }
        return try NSRegularExpression(pattern: source, options: [])
    }

    static func regex(forGlob glob: String, delimiter: Character?) -> String {
        let level = delimiter.map { "[^" + NSRegularExpression.escapedPattern(for: String($0)) + "]*" } ?? ".*"
        var result = ""
        for character in glob {
            switch character {
            case "*": result += "(.*)"
            case "%": result += "(\(level))"
            case "?": result += "(.)"
            default: result += NSRegularExpression.escapedPattern(for: String(character))
            }
        }
        return result
    }

    /// The captures of a match on `name`, nil when the rule does not match. Capture 0 is the match.
    func match(_ name: String, delimiter: Character?) throws -> [String]? {
        let expression = try compile(delimiter: delimiter)
        let normalized = FolderFilter.normalized(name)
        let range = NSRange(normalized.startIndex..., in: normalized)
        guard let result = expression.firstMatch(in: normalized, options: [], range: range) else { return nil }
        return (0..<result.numberOfRanges).map { index in
            Range(result.range(at: index), in: normalized).map { String(normalized[$0]) } ?? ""
        }
    }

    /// The target with `$n` replaced by capture n. Captured text is split on the source delimiter
    /// into levels; a `/` inside a captured level is kept as `FolderMapRule.literalSlash` so that it
    /// never becomes a level boundary.
    func expand(captures: [String], delimiter: Character?) throws(FolderMapError) -> String {
        var output = ""
        var characters = target[...]
        while let character = characters.popFirst() {
            guard character == "$" else {
                output.append(character)
                continue
            }
            var digits = ""
            if characters.first == "$" {
                characters.removeFirst()
                output.append("$")
                continue
            } else if characters.first == "{" {
                let body = characters.dropFirst().prefix { $0 != "}" }
                guard characters.dropFirst(body.count + 1).first == "}", !body.isEmpty, body.allSatisfy(\.isASCII),
                    body.allSatisfy(\.isNumber)
                else { throw .badTarget(self, "an unclosed or empty ${…}") }
                digits = String(body)
                characters = characters.dropFirst(body.count + 2)
            } else if let digit = characters.first, digit.isASCII, digit.isNumber {
                digits = String(digit)
                characters.removeFirst()
            } else {
                throw .badTarget(self, "a $ that is not followed by a group number (write $$ for a dollar sign)")
            }
            guard let index = Int(digits), index < captures.count else {
                throw .badTarget(self, "$\(digits), but the pattern has \(captures.count - 1) groups")
            }
            output += Self.levels(of: captures[index], delimiter: delimiter)
        }
        return output
    }

    /// Stands for a `/` that belongs inside one level while a target is being expanded.
    static let literalSlash: Character = "\u{0}"

    static func levels(of captured: String, delimiter: Character?) -> String {
        guard let delimiter, delimiter != "/" else { return captured }
        return captured.split(separator: delimiter, omittingEmptySubsequences: false)
            .map { $0.replacingOccurrences(of: "/", with: String(literalSlash)) }
            .joined(separator: "/")
    }
}

/// A folder mapping that cannot be used as given.
public enum FolderMapError: Error, Sendable, Hashable, CustomStringConvertible {
    case badPattern(FolderMapRule, String)
    case badTarget(FolderMapRule, String)
    case badOption(String)

    public var description: String {
        switch self {
        case .badPattern(let rule, let reason): "map rule \(rule): the pattern is not valid: \(reason)"
        case .badTarget(let rule, let reason): "map rule \(rule): the target has \(reason)"
        case .badOption(let reason): reason
        }
    }
}
