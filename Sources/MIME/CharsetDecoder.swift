/// Converts text in a MIME charset to UTF-8, in chunks; invalid bytes become U+FFFD, never an error.
///
/// UTF-8, US-ASCII, ISO-8859-1...16, Windows-1250...1258, KOI8-R/U and Mac Roman are decoded here (tables
/// generated from Python's codecs); every other charset goes through Glibc `iconv`. Labels follow common
/// practice rather than the letter of the registry: ISO-8859-1 is read as its superset Windows-1252 (as browsers
/// do), GB2312 as GB18030, Shift_JIS as Windows-31J, EUC-KR as CP949, since senders label the smaller charset and
/// write the larger one. US-ASCII and missing labels are read as UTF-8, falling back to Windows-1252 byte by byte.
public struct CharsetDecoder {
    enum Engine {
        case utf8(UTF8Repair)
        case table(SingleByteTable)
        case iconv(IconvConverter)
    }

    var engine: Engine

    /// A decoder for `label` (any case, surrounding spaces or quotes, an RFC 2231 `*language` suffix), or nil
    /// when neither the tables here nor `iconv` know it.
    public init?(label: String) {
        let name = Self.normalize(label)
        if let engine = Self.builtIn(name) {
            self.engine = engine
        } else if let converter = IconvConverter(charset: Self.iconvAliases[name] ?? name) {
            engine = .iconv(converter)
        } else {
            return nil
        }
    }

    /// The decoder for undeclared or untrustworthy text: UTF-8, else Windows-1252 for each invalid byte.
    public static var lenient: CharsetDecoder { CharsetDecoder(engine: .utf8(UTF8Repair(invalid: .windows1252))) }

    init(engine: Engine) {
        self.engine = engine
    }

    /// Appends the UTF-8 of the next chunk to `output`; a character cut by the chunk's end waits for the next.
    public mutating func decode(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        switch engine {
        case .utf8(var repair):
            repair.decode(input, into: &output)
            engine = .utf8(repair)
        case .table(let table):
            table.decode(input, into: &output)
        case .iconv(let converter):
            converter.decode(input, into: &output)
        }
    }

    /// How much of the start of `input` `decode` would append unchanged, leaving no state behind: whole valid
    /// UTF-8 sequences for a UTF-8 decoder between characters, nothing for other charsets.
    func passThroughLength(_ input: UnsafeRawBufferPointer) -> Int {
        guard case .utf8(let repair) = engine, repair.isIdle else { return 0 }
        return UTF8Repair.validPrefixLength(input)
    }

    /// Ends the stream: an unfinished character becomes U+FFFD.
    public mutating func finish(into output: inout [UInt8]) {
        switch engine {
        case .utf8(var repair):
            repair.finish(into: &output)
            engine = .utf8(repair)
        case .table:
            break
        case .iconv(let converter):
            converter.finish(into: &output)
        }
    }

    /// Decodes a whole byte string in `label`; nil when the charset is unknown.
    public static func decode(_ bytes: some Collection<UInt8>, label: String) -> String? {
        guard var decoder = CharsetDecoder(label: label) else { return nil }
        return decoder.decodeAll(bytes)
    }

    mutating func decodeAll(_ bytes: some Collection<UInt8>) -> String {
        var output: [UInt8] = []
        let done: Void? = bytes.withContiguousStorageIfAvailable { decode(UnsafeRawBufferPointer($0), into: &output) }
        if done == nil { Array(bytes).withUnsafeBytes { decode($0, into: &output) } }
        finish(into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Header bytes without a declared charset: UTF-8 when the whole value is valid UTF-8, else Windows-1252.
    public static func decodeUndeclared(_ bytes: some Collection<UInt8>) -> String {
        if bytes.allSatisfy({ $0 < 0x80 }) || validUTF8(bytes) {
            return String(decoding: bytes, as: UTF8.self)
        }
        var decoder = CharsetDecoder(engine: .table(.windows1252))
        return decoder.decodeAll(bytes)
    }

    static func validUTF8(_ bytes: some Collection<UInt8>) -> Bool {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// Lowercased, without quotes, spaces or an RFC 2231 language suffix.
    static func normalize(_ label: String) -> String {
        var bytes: [UInt8] = []
        for byte in label.utf8 {
            if byte == UInt8(ascii: "*") { break }
            bytes.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
        }
        let unwanted: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") }
        let start = bytes.firstIndex { !unwanted($0) } ?? bytes.endIndex
        let end = bytes.lastIndex { !unwanted($0) }.map { $0 + 1 } ?? start
        return String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
    }

    static func builtIn(_ name: String) -> Engine? {
        switch name {
        case "utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8":
            return .utf8(UTF8Repair(invalid: .replace))
        case "us-ascii", "ascii", "us", "ansi_x3.4-1968", "iso646-us", "iso-ir-6", "cp367", "ibm367", "csascii",
            "x-unknown", "unknown", "unknown-8bit", "x-user-defined", "default", "":
            return .utf8(UTF8Repair(invalid: .windows1252))
        case "koi8-r", "koi8r", "koi8", "cskoi8r": return .table(.koi8R)
        case "koi8-u", "koi8u": return .table(.koi8U)
        case "macintosh", "mac", "macroman", "x-mac-roman", "csmacintosh": return .table(.macRoman)
        default: break
        }
        if let number = isoNumber(name) { return isoTables[number].map(Engine.table) }
        if let number = windowsNumber(name) { return windowsTables[number].map(Engine.table) }
        return nil
    }

    /// ISO-8859-1 is read as Windows-1252, its superset in practice.
    static let isoTables: [Int: SingleByteTable] = [
        1: .windows1252, 2: .iso8859_2, 3: .iso8859_3, 4: .iso8859_4, 5: .iso8859_5, 6: .iso8859_6, 7: .iso8859_7,
        8: .iso8859_8, 9: .iso8859_9, 10: .iso8859_10, 11: .iso8859_11, 13: .iso8859_13, 14: .iso8859_14,
        15: .iso8859_15, 16: .iso8859_16,
    ]

    static let windowsTables: [Int: SingleByteTable] = [
        1250: .windows1250, 1251: .windows1251, 1252: .windows1252, 1253: .windows1253, 1254: .windows1254,
        1255: .windows1255, 1256: .windows1256, 1257: .windows1257, 1258: .windows1258,
    ]

    static let latinAliases: [String: Int] = [
        "latin1": 1, "latin-1": 1, "l1": 1, "cp819": 1, "ibm819": 1, "iso-ir-100": 1, "csisolatin1": 1,
        "latin2": 2, "latin-2": 2, "l2": 2, "latin3": 3, "l3": 3, "latin4": 4, "l4": 4, "cyrillic": 5, "arabic": 6,
        "greek": 7, "greek8": 7, "hebrew": 8, "latin5": 9, "l5": 9, "latin6": 10, "l6": 10, "thai": 11, "latin7": 13,
        "l7": 13, "latin8": 14, "l8": 14, "latin9": 15, "latin-9": 15, "l9": 15, "latin10": 16, "l10": 16,
    ]

    /// N of "iso-8859-N" in its many spellings (iso8859-1, iso_8859-1:1987, iso-8859-8-i, latin2, ...).
    static func isoNumber(_ name: String) -> Int? {
        if let number = latinAliases[name] { return number }
        var rest = Substring(name)
        for prefix in ["iso-8859-", "iso8859-", "iso_8859-", "iso8859_", "iso-8859_", "iso_8859_", "iso8859"] {
            if rest.hasPrefix(prefix) {
                rest = rest.dropFirst(prefix.count)
                let digits = rest.prefix { $0.isASCII && $0.isNumber }
                return Int(digits)
            }
        }
        return nil
    }

    static func windowsNumber(_ name: String) -> Int? {
        for prefix in ["windows-", "windows", "cp", "x-cp", "win-", "win", "cswindows", "ms-"] where name.hasPrefix(prefix) {
            if let number = Int(name.dropFirst(prefix.count)) { return number }
        }
        if name == "ms-ansi" { return 1252 }
        return nil
    }

    /// Labels senders use for a charset that iconv knows under a wider or other name.
    static let iconvAliases: [String: String] = [
        "gb2312": "GB18030", "gb_2312-80": "GB18030", "csgb2312": "GB18030", "x-gbk": "GB18030", "gbk": "GB18030",
        "euc-cn": "GB18030", "chinese": "GB18030", "cp936": "GB18030",
        "ks_c_5601-1987": "CP949", "ks_c_5601": "CP949", "ksc5601": "CP949", "euc-kr": "CP949", "cseuckr": "CP949",
        "shift_jis": "CP932", "shift-jis": "CP932", "sjis": "CP932", "x-sjis": "CP932", "ms_kanji": "CP932",
        "csshiftjis": "CP932", "windows-31j": "CP932",
        "big5": "BIG5-HKSCS", "big-5": "BIG5-HKSCS", "x-x-big5": "BIG5-HKSCS", "cn-big5": "BIG5-HKSCS",
        "csbig5": "BIG5-HKSCS", "unicode": "UTF-16", "x-mac-cyrillic": "MAC-CYRILLIC",
    ]
}
