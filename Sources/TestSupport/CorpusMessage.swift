import Foundation

/// One message to put on the test server: its exact bytes, its flags and its INTERNALDATE.
public struct CorpusMessage: Sendable, Hashable {
    /// The RFC 5322 message, byte for byte as it is written into the Maildir.
    public var bytes: [UInt8]
    /// IMAP flags: system flags (`\Seen`, `\Answered`, `\Flagged`, `\Deleted`, `\Draft`) and keywords
    /// (`$Forwarded`, `NonJunk`, ...). `\Recent` cannot be delivered.
    public var flags: [String]
    /// The INTERNALDATE (RFC 3501 section 2.3.3); whole seconds survive, the zone does not (Dovecot serves
    /// Maildir dates in its own zone).
    public var internalDate: Date

    public init(bytes: [UInt8], flags: [String] = [], internalDate: Date) {
        self.bytes = bytes
        self.flags = flags
        self.internalDate = internalDate
    }

    public init(_ text: String, flags: [String] = [], internalDate: Date) {
        self.init(bytes: Array(text.utf8), flags: flags, internalDate: internalDate)
    }

    /// The bytes Dovecot 2.3 serves for this message (`BODY[]`, `RETR`) after Maildir delivery: a bare LF
    /// becomes CRLF and NUL becomes 0x80. Everything else, 8-bit bytes included, is served unchanged.
    public var servedBytes: [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + bytes.count / 50)
        var previous: UInt8 = 0
        for byte in bytes {
            if byte == 0x0A && previous != 0x0D {
                result.append(0x0D)
            }
            result.append(byte == 0 ? 0x80 : byte)
            previous = byte
        }
        return result
    }

    /// The value of the first header field called `name` (unfolded, raw bytes decoded as UTF-8), if any.
    public func header(_ name: String) -> String? {
        let text = String(decoding: bytes.prefix(64 * 1024), as: UTF8.self)
        let headerBlock = text.components(separatedBy: "\r\n\r\n").first?.components(separatedBy: "\n\n").first ?? ""
        let lines = headerBlock.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n ", with: " ")
            .replacingOccurrences(of: "\n\t", with: " ").split(separator: "\n")
        let prefix = name.lowercased() + ":"
        for line in lines where line.lowercased().hasPrefix(prefix) {
            return line.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}
