import NIOCore

/// A command tag chosen by the client (RFC 9051 §2.2.1).
public struct Tag: Hashable, Sendable, CustomStringConvertible {
    public var value: String
    public init(_ value: String) { self.value = value }
    public var description: String { value }
}

/// A mailbox name exactly as it travels on the wire (modified UTF-7 unless UTF8=ACCEPT is enabled).
///
/// The raw bytes are the identity: a server may send names that do not decode (invalid modified
/// UTF-7); they are kept as they are, and `decoded` is `nil` for them.
public struct MailboxName: Hashable, Sendable, CustomStringConvertible {
    public var bytes: [UInt8]
    public init(bytes: [UInt8]) { self.bytes = bytes }
    /// A name encoded from Unicode with modified UTF-7 (RFC 3501 §5.1.3).
    public init(_ unicode: String) { self.bytes = ModifiedUTF7.encode(unicode) }
    public static let inbox = MailboxName(bytes: Array("INBOX".utf8))
    /// The Unicode name, or nil when the raw bytes are not valid modified UTF-7.
    public var decoded: String? { ModifiedUTF7.decode(bytes) }
    /// The decoded name, or the raw bytes shown lossily when they do not decode.
    public var description: String { decoded ?? String(decoding: bytes, as: UTF8.self) }
    public var isInbox: Bool { bytes.count == 5 && String(decoding: bytes, as: UTF8.self).uppercased() == "INBOX" }
}

/// A message flag or keyword as the server spells it (`\Seen`, `$Forwarded`, `NonJunk`).
public struct Flag: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public init(_ name: String) { self.name = name }
    public var description: String { name }
    public var isSystem: Bool { name.hasPrefix("\\") }
    public static let seen = Flag("\\Seen")
    public static let answered = Flag("\\Answered")
    public static let flagged = Flag("\\Flagged")
    public static let deleted = Flag("\\Deleted")
    public static let draft = Flag("\\Draft")
    public static let recent = Flag("\\Recent")
}

/// INTERNALDATE as sent by the server: `dd-Mon-yyyy hh:mm:ss +zzzz` (RFC 9051 §9 `date-time`).
public struct InternalDate: Hashable, Sendable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    /// Offset from UTC in minutes, east positive.
    public var zoneMinutes: Int

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, zoneMinutes: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.zoneMinutes = zoneMinutes
    }

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The wire form, for APPEND: `17-Jul-1996 02:44:25 -0700`.
    public var description: String {
        let sign = zoneMinutes < 0 ? "-" : "+"
        let zone = abs(zoneMinutes)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        func four(_ v: Int) -> String { String(repeating: "0", count: max(0, 4 - String(v).count)) + String(v) }
        let name = (1...12).contains(month) ? Self.monthNames[month - 1] : "Jan"
        return "\(two(day))-\(name)-\(four(year)) \(two(hour)):\(two(minute)):\(two(second)) \(sign)\(two(zone / 60))\(two(zone % 60))"
    }

    /// Reads the wire form (`17-Jul-1996 02:44:25 -0700`, without the quotes), as the catalog keeps it.
    public init?(_ text: String) {
        guard let date = ResponseGrammar.dateTime(Array(text.utf8)) else { return nil }
        self = date
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    public var secondsSince1970: Int64 {
        // Days from civil date (Howard Hinnant's algorithm).
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        let local = days * 86400 + Int64(hour * 3600 + minute * 60 + second)
        return local - Int64(zoneMinutes * 60)
    }

    /// The same instant expressed in UTC.
    public init(secondsSince1970 t: Int64, zoneMinutes: Int = 0) {
        let local = t + Int64(zoneMinutes * 60)
        var days = local / 86400
        var rem = local % 86400
        if rem < 0 { rem += 86400; days -= 1 }
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.init(
            year: Int(y), month: Int(m), day: Int(d), hour: Int(rem / 3600), minute: Int(rem % 3600 / 60),
            second: Int(rem % 60), zoneMinutes: zoneMinutes)
    }
}

/// A set of UIDs or sequence numbers: `1:5,7,9:*` (RFC 9051 §9 `sequence-set`).
public struct SequenceSet: Hashable, Sendable, CustomStringConvertible {
    /// Inclusive ranges; `UInt32.max` stands for `*`.
    public var ranges: [ClosedRange<UInt32>]
    public init(_ ranges: [ClosedRange<UInt32>]) { self.ranges = ranges }
    public init(_ range: ClosedRange<UInt32>) { self.ranges = [range] }
    /// `n:*`.
    public static func from(_ first: UInt32) -> SequenceSet { SequenceSet([first...UInt32.max]) }
    public static let all = SequenceSet.from(1)
    /// Compresses a list of numbers into ranges.
    public init(numbers: [UInt32]) {
        var result: [ClosedRange<UInt32>] = []
        for n in numbers.sorted() {
            if let last = result.last, last.upperBound &+ 1 == n || last.contains(n) {
                result[result.count - 1] = last.lowerBound...max(last.upperBound, n)
            } else {
                result.append(n...n)
            }
        }
        self.ranges = result
    }
    public var description: String {
        ranges.map { r in
            func s(_ v: UInt32) -> String { v == UInt32.max ? "*" : String(v) }
            return r.lowerBound == r.upperBound ? s(r.lowerBound) : "\(s(r.lowerBound)):\(s(r.upperBound))"
        }.joined(separator: ",")
    }
    /// Every number in the set (`*` ranges are not expanded past their lower bound).
    public var numbers: [UInt32] {
        ranges.flatMap { r in r.upperBound == UInt32.max ? [r.lowerBound] : Array(r) }
    }
}
