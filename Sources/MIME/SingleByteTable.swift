/// The upper half of a single-byte charset: bytes below 0x80 are ASCII in every charset this holds.
struct SingleByteTable: Sendable {
    let upperHalf: [UInt16]

    init(upperHalf: [UInt16]) {
        precondition(upperHalf.count == 128)
        self.upperHalf = upperHalf
    }

    /// Appends the UTF-8 of `input` to `output`; never fails, since every byte maps to a scalar or U+FFFD.
    func decode(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        output.reserveCapacity(output.count + input.count)
        upperHalf.withUnsafeBufferPointer { table in
            var index = 0
            let count = input.count
            while index < count {
                let byte = input[index]
                if byte < 0x80 {
                    output.append(byte)
                } else {
                    UTF8Output.append(scalar: UInt32(table[Int(byte) - 0x80]), to: &output)
                }
                index += 1
            }
        }
    }
}

/// Appending scalars as UTF-8 bytes, without going through `String`.
enum UTF8Output {
    static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    @inline(__always)
    static func append(scalar: UInt32, to output: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            output.append(UInt8(scalar))
        case 0x80..<0x800:
            output.append(UInt8(0xC0 | (scalar >> 6)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0xD800..<0xE000:
            output.append(contentsOf: replacement)
        case 0x800..<0x10000:
            output.append(UInt8(0xE0 | (scalar >> 12)))
            output.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x10000..<0x110000:
            output.append(UInt8(0xF0 | (scalar >> 18)))
            output.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            output.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            output.append(contentsOf: replacement)
        }
    }
}
