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

    @inline(__always)
    static func hasZeroByte(_ word: UInt64) -> Bool {
        (word &- lowBits) & ~word & highBits != 0
    }
}
