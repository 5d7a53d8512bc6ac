import Catalog
import Foundation

/// A filter value that cannot be read.
public struct FilterError: Error, Sendable, Hashable, CustomStringConvertible {
    public var key: String
    public var message: String

    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "filter \(key): \(message)" }
}

/// Message filters as written in a job file or on the command line, before they become a catalog
/// `MessageSelection`.
public struct MessageFilter: Sendable, Hashable {
    public var since: String?
    public var before: String?
    /// "internaldate" (default) or "header" (the Date: field).
    public var dateSource: String?
    public var minSize: String?
    public var maxSize: String?
    public var flags: [String] = []
    public var notFlags: [String] = []
    public var from: String?
    public var to: String?
    public var subject: String?
    /// Words, prefixes (`invoi*`), phrases (`"quarterly report"`) and columns (`subject:`), as `mailferry search`.
    public var search: String?
    public var includeGone = false

    public init() {}

    public func selection() throws(FilterError) -> MessageSelection {
        let source: MessageSelection.DateSource
        switch dateSource?.lowercased() {
        case nil, "internaldate": source = .internalDate
        case "header": source = .header
        case let other?:
            throw FilterError(key: "date_source", message: "must be \"internaldate\" or \"header\", not \"\(other)\"")
        }
        var selection = MessageSelection(
            since: try since.map { value throws(FilterError) in try Self.date(value, key: "since") },
            before: try before.map { value throws(FilterError) in try Self.date(value, key: "before") },
            dateSource: source,
            minSize: try minSize.map { value throws(FilterError) in try Self.size(value, key: "min_size") },
            maxSize: try maxSize.map { value throws(FilterError) in try Self.size(value, key: "max_size") },
            flags: flags, notFlags: notFlags, from: from.nonEmpty, to: to.nonEmpty, subject: subject.nonEmpty,
            includeGone: includeGone)
        // The same words, prefixes and phrases as `mailferry search`: tokens through the index, phrases confirmed
        // on each message's text (`ReplaySource.select`).
        if let text = search.nonEmpty {
            let query = SearchQuery(parsing: text)
            guard let expression = query.ftsExpression else {
                throw FilterError(key: "search", message: "\"\(text)\" has no words to search for")
            }
            selection.search = expression
            selection.phrases = query.phrases
        }
        if let since = selection.since, let before = selection.before, since >= before {
            throw FilterError(key: "before", message: "\(self.before!) is not after since = \(self.since!)")
        }
        for flag in flags + notFlags where flag.isEmpty || flag.contains(where: { $0 == " " || $0 == "(" || $0 == ")" })
        {
            throw FilterError(key: "flags", message: "\"\(flag)\" is not a flag or keyword")
        }
        return selection
    }

    /// `2019-01-01` (midnight UTC) or an RFC 3339 time (`2019-01-01T08:00:00+02:00`), as seconds since 1970.
    public static func date(_ text: String, key: String) throws(FilterError) -> Int64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: "-", omittingEmptySubsequences: false)
        if parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            parts[0].count == 4, (1...12).contains(month), (1...31).contains(day)
        {
            var components = DateComponents()
            components.calendar = Calendar(identifier: .gregorian)
            components.timeZone = TimeZone(identifier: "UTC")
            (components.year, components.month, components.day) = (year, month, day)
            if components.isValidDate, let date = components.date { return Int64(date.timeIntervalSince1970) }
        }
        if let date = ISO8601DateFormatter().date(from: trimmed) { return Int64(date.timeIntervalSince1970) }
        throw FilterError(key: key, message: "\"\(text)\" is not a date (write 2019-01-01 or 2019-01-01T08:00:00Z)")
    }

    /// `50MB`, `1.5 GB`, `200KiB`, `1234` (bytes). KB/MB/GB count in thousands, KiB/MiB/GiB in 1024s.
    public static func size(_ text: String, key: String) throws(FilterError) -> Int64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let number = trimmed.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let unit = trimmed.dropFirst(number.count).trimmingCharacters(in: .whitespaces).lowercased()
        let factors: [String: Double] = [
            "": 1, "b": 1, "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "kib": 1024,
            "mib": 1_048_576, "gib": 1_073_741_824,
        ]
        guard let value = Double(number), let factor = factors[unit], value >= 0 else {
            throw FilterError(key: key, message: "\"\(text)\" is not a size (write 50MB, 200KiB or a number of bytes)")
        }
        return Int64((value * factor).rounded())
    }
}

extension Optional where Wrapped == String {
    /// nil for an empty string: an empty filter value filters nothing.
    fileprivate var nonEmpty: String? {
        guard let self, !self.isEmpty else { return nil }
        return self
    }
}
