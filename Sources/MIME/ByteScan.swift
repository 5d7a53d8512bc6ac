#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Word-at-a-time scans over raw bytes: text is mostly ASCII, and checking eight bytes per step keeps the
/// per-byte loops for the rare interesting byte.
enum ByteScan {
    static let highBits: UInt64 = 0x8080_8080_8080_8080
    static let lowBits: UInt64 = 0x0101_0101_0101_0101

    /// The index of the first byte at or after `start` that is not ASCII, or `buffer.count`.
    @inline(__always)
    static func asciiEnd(_ buffer: UnsafeRawBufferPointer, from start: Int) -> Int {
        var index = start
        let count = buffer.count
        if let base = buffer.baseAddress {
            while index + 8 <= count, base.loadUnaligned(fromByteOffset: index, as: UInt64.self) & highBits == 0 {
                index += 8
            }
        }
        while index < count, buffer[index] < 0x80 { index += 1 }
        return index
    }

    /// The index of the first byte at or after `start` equal to `a` or `b`, or `buffer.count`.
    @inline(__always)
    static func firstOf(_ a: UInt8, _ b: UInt8, in buffer: UnsafeRawBufferPointer, from start: Int) -> Int {
        var index = start
        let count = buffer.count
        if let base = buffer.baseAddress {
            let repeatA = lowBits &* UInt64(a)
            let repeatB = lowBits &* UInt64(b)
            while index + 8 <= count {
                let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if hasZeroByte(word ^ repeatA) || hasZeroByte(word ^ repeatB) { break }
                index += 8
            }
        }
        while index < count, buffer[index] != a, buffer[index] != b { index += 1 }
        return index
    }

    /// The end of the whole lines from `start` on up to the first line that begins with `--` (a line can begin at
    /// `start` only when not `continuing` one from an earlier buffer); `start` when there are none. The lines
    /// end with their LF: an unfinished last line is not included.
    static func linesWithoutLeadingDashes(_ buffer: UnsafeRawBufferPointer, from start: Int, continuing: Bool) -> Int {
        guard let base = buffer.baseAddress else { return start }
        let count = buffer.count
        var index = start
        var limit = count
        // Dashes are rare in text and absent from base64, so hunting for them skips most bytes at memchr speed.
        while index < count, let found = memchr(base + index, 0x2D, count - index) {
            let dash = UnsafeRawPointer(found) - base
            let atLineStart = dash == start ? !continuing : base.load(fromByteOffset: dash - 1, as: UInt8.self) == 0x0A
            if atLineStart && dash + 1 < count && base.load(fromByteOffset: dash + 1, as: UInt8.self) == 0x2D {
                limit = dash
                break
            }
            index = dash + 1
        }
        guard limit > start else { return start }
        if limit < count { return limit }
        // Back over the unfinished last line, which is short unless the buffer holds a giant one.
        var end = count
        while end > start && base.load(fromByteOffset: end - 1, as: UInt8.self) != 0x0A { end -= 1 }
        return end
    }

    @inline(__always)
    static func hasZeroByte(_ word: UInt64) -> Bool {
        (word &- lowBits) & ~word & highBits != 0
    }
}
