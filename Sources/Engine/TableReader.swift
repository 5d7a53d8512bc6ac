import Foundation
import TOMLKit

/// Reads typed keys from one TOML table, remembering which were read so the rest can be
/// reported as unknown.
struct TableReader {
    let table: TOMLTable
    let path: String
    let file: String
    let lines: KeyLines
    /// The line for keys the source index does not know: an inline table's keys share its line.
    let fallbackLine: Int?
    private var used: Set<String> = []

    init(table: TOMLTable, path: String, file: String, lines: KeyLines, fallbackLine: Int? = nil) {
        self.table = table
        self.path = path
        self.file = file
        self.lines = lines
        self.fallbackLine = fallbackLine
    }

    /// A reader for an inline table held by `key`, whose errors point at the key's line.
    mutating func inlineTable(_ key: String) throws(ConfigError) -> TableReader? {
        guard let table = try table(key) else { return nil }
        return TableReader(
            table: table, path: qualified(key), file: file, lines: lines, fallbackLine: line(of: key))
    }

    func line(of key: String?) -> Int? { lines.line(table: path, key: key) ?? fallbackLine }

    func error(_ key: String, _ message: String) -> ConfigError {
        ConfigError(file: file, line: line(of: key), message: "\(qualified(key)) \(message)")
    }

    func missing(_ key: String) -> ConfigError {
        ConfigError(file: file, line: line(of: nil), message: "[\(path)] is missing the required key \"\(key)\"")
    }

    func qualified(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    mutating func value(_ key: String) -> TOMLValueConvertible? {
        used.insert(key)
        return table[key]
    }

    mutating func string(_ key: String) throws(ConfigError) -> String? {
        guard let value = value(key) else { return nil }
        guard let string = value.string else { throw error(key, "must be a string") }
        return string
    }

    mutating func int(_ key: String) throws(ConfigError) -> Int? {
        guard let value = value(key) else { return nil }
        guard let int = value.int else { throw error(key, "must be an integer") }
        return int
    }

    /// A size in bytes, more than zero: an integer, or a whole number with a unit (`"500MB"`,
    /// `"2500MB"`, `"2GiB"`).
    mutating func bytes(_ key: String) throws(ConfigError) -> Int64? {
        guard let value = value(key) else { return nil }
        guard let bytes = value.int.map(Int64.init) ?? value.string.flatMap(ByteSize.parse), bytes > 0 else {
            throw error(key, "must be a number of bytes or a size like \"500MB\"")
        }
        return bytes
    }

    /// A duration in seconds: an integer, or a string such as `"90s"`, `"5m"`, `"1h"`, `"1d"`; at
    /// least one second.
    mutating func seconds(_ key: String) throws(ConfigError) -> Int64? {
        guard let text = try stringOrInt(key) else { return nil }
        guard let seconds = WatchJob.seconds(in: text), seconds > 0 else {
            throw error(key, "must be a number of seconds or a duration like \"90s\", \"5m\", \"1h\", \"1d\"")
        }
        return seconds
    }

    mutating func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let bool = value.bool else { throw error(key, "must be true or false") }
        return bool
    }

    /// A string, or an integer given as its decimal text (sizes: `"50MB"` or `52428800`).
    mutating func stringOrInt(_ key: String) throws(ConfigError) -> String? {
        guard let value = value(key) else { return nil }
        if let string = value.string { return string }
        if let int = value.int { return String(int) }
        throw error(key, "must be a string or an integer")
    }

    mutating func strings(_ key: String) throws(ConfigError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard let array = value.array else { throw error(key, "must be an array of strings") }
        var result: [String] = []
        for element in array {
            guard let string = element.string else { throw error(key, "must be an array of strings") }
            result.append(string)
        }
        return result
    }

    mutating func table(_ key: String) throws(ConfigError) -> TOMLTable? {
        guard let value = value(key) else { return nil }
        guard let table = value.table else { throw error(key, "must be a table") }
        return table
    }

    mutating func arrayOfTables(_ key: String) throws(ConfigError) -> [TOMLTable]? {
        guard let value = value(key) else { return nil }
        guard let array = value.array else { throw error(key, "must be an array of tables ([[\(key)]])") }
        var result: [TOMLTable] = []
        for element in array {
            guard let table = element.table else { throw error(key, "must be an array of tables ([[\(key)]])") }
            result.append(table)
        }
        return result
    }

    /// Throws for the first key (in file order) outside `known`: checked before anything else so
    /// that a misspelt key is reported as such, not as the key it failed to be.
    func rejectKeys(notIn known: Set<String>) throws(ConfigError) {
        try reject(table.keys.filter { !known.contains($0) })
    }

    /// Throws for the first key (in file order) that nobody asked for.
    func rejectUnknownKeys() throws(ConfigError) {
        try reject(table.keys.filter { !used.contains($0) })
    }

    private func reject(_ unknown: [String]) throws(ConfigError) {
        guard !unknown.isEmpty else { return }
        let first = unknown.min { (lines.line(table: path, key: $0) ?? .max) < (lines.line(table: path, key: $1) ?? .max) }!
        let place = path.isEmpty ? "at the top level" : "in [\(path)]"
        throw ConfigError(file: file, line: line(of: first), message: "unknown key \"\(first)\" \(place)")
    }
}

/// Finds the line of a key in the TOML source, which the TOML library does not report.
struct KeyLines: Sendable {
    /// "table path" -> line of its header; "table path\u{0}key" -> line of the key.
    private var index: [String: Int] = [:]

    init(_ text: String) {
        var current = ""
        var arrayCounts: [String: Int] = [:]
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let line = rawLine.drop { $0 == " " || $0 == "\t" }
            if line.hasPrefix("[[") {
                let name = Self.tableName(line.dropFirst(2))
                let count = arrayCounts[name, default: 0]
                arrayCounts[name] = count + 1
                current = "\(name)[\(count)]"
                index[current] = index[current] ?? number
            } else if line.hasPrefix("[") {
                current = Self.tableName(line.dropFirst())
                index[current] = index[current] ?? number
                // Parent tables appear implicitly: [accounts.old] defines key "old" of [accounts].
                let parts = current.split(separator: ".", maxSplits: 1)
                if parts.count == 2 {
                    index["\(parts[0])\u{0}\(parts[1])"] = index["\(parts[0])\u{0}\(parts[1])"] ?? number
                }
            } else if let equals = line.firstIndex(of: "="), !line.hasPrefix("#") {
                var key = line[..<equals].trimmingCharacters(in: .whitespaces)
                if let dot = key.firstIndex(of: "."), !key.hasPrefix("\"") { key = String(key[..<dot]) }
                key = key.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
                let slot = "\(current)\u{0}\(key)"
                index[slot] = index[slot] ?? number
            }
        }
    }

    static func tableName(_ text: Substring) -> String {
        let name = text.prefix { $0 != "]" }
        return name.split(separator: ".").map {
            $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        }.joined(separator: ".")
    }

    /// The key's line, or the table header's line when `key` is nil or not found.
    func line(table: String, key: String?) -> Int? {
        if let key, let line = index["\(table)\u{0}\(key)"] { return line }
        return index[table]
    }
}


