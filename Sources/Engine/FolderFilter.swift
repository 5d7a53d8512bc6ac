/// `include` / `exclude` folder globs, matched against decoded folder names.
///
/// `*` matches anything (across hierarchy levels), `%` anything within one level, `?` one
/// character. `INBOX` matches in any case. An empty include list includes everything; exclude wins.
public struct FolderFilter: Sendable, Hashable {
    public var include: [String]
    public var exclude: [String]

    public init(include: [String] = [], exclude: [String] = []) {
        self.include = include
        self.exclude = exclude
    }

    public func accepts(_ name: String, delimiter: Character?) -> Bool {
        if exclude.contains(where: { Self.matches($0, name, delimiter: delimiter) }) { return false }
        return include.isEmpty || include.contains { Self.matches($0, name, delimiter: delimiter) }
    }

    static func matches(_ pattern: String, _ name: String, delimiter: Character?) -> Bool {
        let p = Array(normalized(pattern))
        let n = Array(normalized(name))
        return match(p[...], n[...], delimiter: delimiter)
    }

    static func normalized(_ name: String) -> String {
        if name.uppercased() == "INBOX" { return "INBOX" }
        for d in ["/", "."] where name.uppercased().hasPrefix("INBOX" + d) {
            return "INBOX" + name.dropFirst(5)
        }
        return name
    }

    static func match(_ pattern: ArraySlice<Character>, _ name: ArraySlice<Character>, delimiter: Character?) -> Bool {
        guard let first = pattern.first else { return name.isEmpty }
        let rest = pattern.dropFirst()
        switch first {
        case "*":
            var candidate = name
            while true {
                if match(rest, candidate, delimiter: delimiter) { return true }
                guard !candidate.isEmpty else { return false }
                candidate = candidate.dropFirst()
            }
        case "%":
            var candidate = name
            while true {
                if match(rest, candidate, delimiter: delimiter) { return true }
                guard let next = candidate.first, next != delimiter else { return false }
                candidate = candidate.dropFirst()
            }
        case "?":
            guard !name.isEmpty else { return false }
            return match(rest, name.dropFirst(), delimiter: delimiter)
        default:
            guard name.first == first else { return false }
            return match(rest, name.dropFirst(), delimiter: delimiter)
        }
    }
}
