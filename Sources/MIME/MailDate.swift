/// RFC 5322 dates (section 3.3) and what mailers of thirty years wrote instead.
public enum MailDate {
    /// Seconds since 1970-01-01 UTC, or nil when no calendar date can be read.
    ///
    /// Accepts the obsolete forms of section 4.3 (zones UT, GMT, EST...PDT and military letters, two- and
    /// three-digit years, comments and whitespace anywhere, missing seconds or weekday), asctime's
    /// `Mon Jan  2 15:04:05 2006`, ISO 8601 `2006-01-02T15:04:05Z`, a few common zone abbreviations (CET, BST,
    /// JST...) and `+01:00` offsets. A missing or unknown zone counts as UTC; a missing time as midnight.
    public static func parse(_ text: String) -> Int64? {
        let tokens = tokenize(Array(text.utf8))
        var day: Int?
        var month: Int?
        var year: Int?
        var time: (hour: Int, minute: Int, second: Int)?
        var offset: Int?
        var index = 0
        func token(_ at: Int) -> Token? { at < tokens.count ? tokens[at] : nil }
        while index < tokens.count {
            let current = tokens[index]
            switch current {
            case .word(let word):
                if let number = months[String(word.prefix(3))], month == nil, word.count >= 3 {
                    month = number
                } else if time != nil, offset == nil, let zone = zoneOffset(word) {
                    offset = zone
                } else if word == "pm", let t = time, t.hour < 12 {
                    time = (t.hour + 12, t.minute, t.second)
                } else if word == "am", let t = time, t.hour == 12 {
                    time = (0, t.minute, t.second)
                }
            case .number(let value, let digits):
                if token(index + 1) == .symbol(":"), case .number(let minute, _)? = token(index + 2), time == nil {
                    var second = 0
                    index += 2
                    if token(index + 1) == .symbol(":"), case .number(let s, _)? = token(index + 2) {
                        second = s
                        index += 2
                    }
                    // Fractions of a second: ".123".
                    if token(index + 1) == .symbol("."), case .number? = token(index + 2) { index += 2 }
                    time = (value, minute, second)
                } else if digits == 4, year == nil, month == nil, day == nil,
                    let separator = token(index + 1), separator == .symbol("-") || separator == .symbol("/"),
                    case .number(let m, _)? = token(index + 2), token(index + 3) == separator,
                    case .number(let d, _)? = token(index + 4)
                {
                    (year, month, day) = (value, m, d)
                    index += 4
                } else if day == nil, digits <= 2, value >= 1, value <= 31 {
                    day = value
                } else if year == nil {
                    year = value
                }
            case .symbol(let sign) where (sign == "+" || sign == "-") && time != nil && offset == nil:
                if case .number(let value, let digits)? = token(index + 1) {
                    var hours = value
                    var minutes = 0
                    index += 1
                    if digits == 4 || digits == 3 {
                        hours = value / 100
                        minutes = value % 100
                    } else if token(index + 1) == .symbol(":"), case .number(let m, _)? = token(index + 2) {
                        minutes = m
                        index += 2
                    }
                    if hours <= 23 && minutes <= 59 {
                        offset = (hours * 60 + minutes) * 60 * (sign == "-" ? -1 : 1)
                    }
                }
            case .symbol:
                break
            }
            index += 1
        }
        guard var year, let month, let day else { return nil }
        if year < 50 {
            year += 2000
        } else if year < 1000 {
            year += 1900
        }
        let clock = time ?? (0, 0, 0)
        guard (1...12).contains(month), year <= 9999, day <= daysIn(month: month, year: year),
            (0...23).contains(clock.hour), (0...59).contains(clock.minute), (0...60).contains(clock.second)
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return Int64(days) * 86_400 + Int64(clock.hour * 3600 + clock.minute * 60 + clock.second) - Int64(offset ?? 0)
    }

    enum Token: Equatable {
        case word(String)
        case number(Int, digits: Int)
        case symbol(Character)
    }

    /// Letters, digit runs and punctuation; whitespace and (nested) comments vanish.
    static func tokenize(_ bytes: [UInt8]) -> [Token] {
        var tokens: [Token] = []
        var index = 0
        while index < bytes.count, tokens.count < 64 {
            let byte = bytes[index]
            if byte == UInt8(ascii: "(") {
                var depth = 0
                while index < bytes.count {
                    if bytes[index] == UInt8(ascii: "(") { depth += 1 }
                    if bytes[index] == UInt8(ascii: ")") { depth -= 1 }
                    index += 1
                    if depth == 0 { break }
                }
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                var value = 0
                var digits = 0
                while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                    if digits < 9 { value = value * 10 + Int(bytes[index] - UInt8(ascii: "0")) }
                    digits += 1
                    index += 1
                }
                tokens.append(.number(value, digits: digits))
            } else if (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") {
                var word: [UInt8] = []
                while index < bytes.count, (bytes[index] | 0x20) >= UInt8(ascii: "a"), (bytes[index] | 0x20) <= UInt8(ascii: "z") {
                    if word.count < 16 { word.append(bytes[index] | 0x20) }
                    index += 1
                }
                tokens.append(.word(String(decoding: word, as: UTF8.self)))
            } else {
                if !byte.isWhitespaceByte && byte < 0x80 { tokens.append(.symbol(Character(Unicode.Scalar(byte)))) }
                index += 1
            }
        }
        return tokens
    }

    static let months: [String: Int] = [
        "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
        "nov": 11, "dec": 12,
    ]

    /// Seconds east of UTC for a zone name: RFC 5322's obsolete zones, then a few abbreviations seen in real mail.
    /// Military letters count as UTC, as section 4.3 advises, since senders got their signs wrong.
    static func zoneOffset(_ word: String) -> Int? {
        let hours: Int
        switch word {
        case "ut", "utc", "gmt", "z", "wet": hours = 0
        case "edt": hours = -4
        case "est", "cdt": hours = -5
        case "cst", "mdt": hours = -6
        case "mst", "pdt": hours = -7
        case "pst": hours = -8
        case "cet", "met", "bst", "west": hours = 1
        case "cest", "mest", "eet": hours = 2
        case "eest", "msk": hours = 3
        case "jst", "kst": hours = 9
        case "hkt": hours = 8
        default:
            return word.count == 1 && word != "j" ? 0 : nil
        }
        return hours * 3600
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
