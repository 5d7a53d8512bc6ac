/// Maps names that come from a server (folder names, hostile input) to safe path components.
///
/// A component never contains `/` or NUL, is never `.` or `..`, never starts with `.` (no hidden
/// files, no Maildir++ confusion), never equals a Maildir subdirectory (`cur`, `new`, `tmp`), holds
/// no control characters, and is at most 255 bytes. Escaping is percent-encoding of the UTF-8
/// bytes, so a person can read the result and `unescape` gives the name back; names longer than
/// the file system allows are shortened with a hash suffix (the catalog keeps the real name).
public enum PathComponent {
    static let maximumBytes = 255
    static let reserved: Set<String> = ["cur", "new", "tmp"]

    /// A safe component for a Unicode name (or raw bytes that are not UTF-8).
    public static func escape(_ name: String) -> String {
        escape(bytes: Array(name.utf8))
    }

    public static func escape(bytes: [UInt8]) -> String {
        if bytes.isEmpty { return "%" }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        let validUTF8 = String(validating: bytes, as: UTF8.self) != nil
        for (index, byte) in bytes.enumerated() {
            let mustEscape =
                byte < 0x20 || byte == 0x7F || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "\\")
                || byte == UInt8(ascii: "%") || (index == 0 && byte == UInt8(ascii: "."))
                || (!validUTF8 && byte >= 0x80)
            if mustEscape {
                output.append(UInt8(ascii: "%"))
                output.append(hexDigit(byte >> 4))
                output.append(hexDigit(byte & 0xF))
            } else {
                output.append(byte)
            }
        }
        var text = String(decoding: output, as: UTF8.self)
        if reserved.contains(text) {
            // Escape the first letter: "cur" -> "%63ur".
            let first = output[0]
            text = "%" + String(decoding: [hexDigit(first >> 4), hexDigit(first & 0xF)], as: UTF8.self) + text.dropFirst()
        }
        if text.utf8.count > maximumBytes {
            let digest = SHA256Hasher.hash(bytes).hex.prefix(16)
            var kept = ""
            for character in text {
                if kept.utf8.count + character.utf8.count > maximumBytes - 17 { break }
                kept.append(character)
            }
            // Do not cut an escape in half.
            if let percent = kept.lastIndex(of: "%"), kept.distance(from: percent, to: kept.endIndex) < 3 {
                kept = String(kept[..<percent])
            }
            text = kept + "~" + digest
        }
        return text
    }

    /// The name's bytes back from an escaped component (shortened names do not come back whole).
    public static func unescape(_ component: String) -> [UInt8] {
        if component == "%" { return [] }
        var output: [UInt8] = []
        let bytes = Array(component.utf8)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return output
    }

    static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "A") + value - 10
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}

/// A folder's place in an archive: its hierarchy split on the server's delimiter, each level
/// escaped on its own.
public struct FolderPath: Hashable, Sendable, CustomStringConvertible {
    public var components: [String]

    public init(components: [String]) { self.components = components }

    /// From a decoded folder name and the server's hierarchy delimiter. INBOX (any case) is `INBOX`.
    public init(name: String, delimiter: Character?) {
        var levels: [String]
        if let delimiter {
            levels = name.split(separator: delimiter, omittingEmptySubsequences: false).map(String.init)
        } else {
            levels = [name]
        }
        if levels.first?.uppercased() == "INBOX" { levels[0] = "INBOX" }
        components = levels.map { PathComponent.escape($0) }
    }

    /// From raw bytes that did not decode as modified UTF-7.
    public init(rawName: [UInt8], delimiter: UInt8?) {
        let levels: [[UInt8]] = delimiter.map { d in rawName.split(separator: d, omittingEmptySubsequences: false).map(Array.init) } ?? [rawName]
        components = levels.map { PathComponent.escape(bytes: $0) }
    }

    /// Joined with `/`: relative, and safe to append to a directory.
    public var relativePath: String { components.joined(separator: "/") }
    public var description: String { relativePath }
}
