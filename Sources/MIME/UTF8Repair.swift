/// Streams UTF-8 through, chunk by chunk, repairing whatever is not UTF-8.
///
/// A sequence cut by a chunk end is held until the next chunk; an invalid one becomes U+FFFD (one per maximal
/// invalid subpart, as WHATWG decoders do) or, for text whose charset nobody declared, the Windows-1252 characters
/// of its bytes: unlabelled 8-bit mail of the 1990s is mostly Latin-1, and a search index wants its letters.
struct UTF8Repair: Sendable {
    enum Invalid: Sendable { case replace, windows1252 }

    let invalid: Invalid
    /// Bytes of an unfinished sequence, packed low byte first.
    private var sequence: UInt32 = 0
    private var sequenceLength = 0
    private var needed = 0
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    init(invalid: Invalid) {
        self.invalid = invalid
    }

    var isIdle: Bool { needed == 0 }

    mutating func decode(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        let count = input.count
        var index = 0
        output.reserveCapacity(output.count + count)
        while index < count {
            let byte = input[index]
            if needed == 0 {
                if byte < 0x80 {
                    let end = ByteScan.asciiEnd(input, from: index + 1)
                    output.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[index..<end]))
                    index = end
                    continue
                }
                start(byte, into: &output)
                index += 1
                continue
            }
            if byte >= lower && byte <= upper {
                sequence |= UInt32(byte) << (8 * UInt32(sequenceLength))
                sequenceLength += 1
                needed -= 1
                lower = 0x80
                upper = 0xBF
                if needed == 0 {
                    for shift in 0..<sequenceLength { output.append(UInt8(truncatingIfNeeded: sequence >> (8 * UInt32(shift)))) }
                    sequence = 0
                    sequenceLength = 0
                }
                index += 1
            } else {
                flushInvalid(into: &output)
                // The byte that broke the sequence starts afresh: do not advance.
            }
        }
    }

    /// Ends the stream: an unfinished sequence is invalid.
    mutating func finish(into output: inout [UInt8]) {
        if needed > 0 { flushInvalid(into: &output) }
    }

    /// The length of the longest start of `input` made of whole valid sequences: what `decode` passes through
    /// unchanged, and leaves no state behind for, when it starts idle.
    static func validPrefixLength(_ input: UnsafeRawBufferPointer) -> Int {
        let count = input.count
        var index = 0
        while true {
            index = ByteScan.asciiEnd(input, from: index)
            guard index < count, let lead = leadByte(input[index]), index + lead.needed < count else { return index }
            let second = input[index + 1]
            guard second >= lead.lower && second <= lead.upper else { return index }
            for offset in stride(from: 2, through: lead.needed, by: 1) where input[index + offset] & 0xC0 != 0x80 {
                return index
            }
            index += lead.needed + 1
        }
    }

    /// How many continuation bytes follow a lead byte, and the range the first of them must be in (RFC 3629
    /// section 4); nil for a byte that cannot start a sequence.
    @inline(__always)
    private static func leadByte(_ byte: UInt8) -> (needed: Int, lower: UInt8, upper: UInt8)? {
        switch byte {
        case 0xC2...0xDF: (1, 0x80, 0xBF)
        case 0xE0: (2, 0xA0, 0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (2, 0x80, 0xBF)
        case 0xED: (2, 0x80, 0x9F)
        case 0xF0: (3, 0x90, 0xBF)
        case 0xF1...0xF3: (3, 0x80, 0xBF)
        case 0xF4: (3, 0x80, 0x8F)
        default: nil
        }
    }

    private mutating func start(_ byte: UInt8, into output: inout [UInt8]) {
        if let lead = Self.leadByte(byte) {
            begin(byte, needed: lead.needed, lower: lead.lower, upper: lead.upper)
        } else {
            emitInvalid(bytes: UInt32(byte), count: 1, into: &output)
        }
    }

    private mutating func begin(_ byte: UInt8, needed: Int, lower: UInt8, upper: UInt8) {
        sequence = UInt32(byte)
        sequenceLength = 1
        self.needed = needed
        self.lower = lower
        self.upper = upper
    }

    private mutating func flushInvalid(into output: inout [UInt8]) {
        emitInvalid(bytes: sequence, count: sequenceLength, into: &output)
        sequence = 0
        sequenceLength = 0
        needed = 0
        lower = 0x80
        upper = 0xBF
    }

    private func emitInvalid(bytes: UInt32, count: Int, into output: inout [UInt8]) {
        switch invalid {
        case .replace:
            output.append(contentsOf: UTF8Output.replacement)
        case .windows1252:
            let table = SingleByteTable.windows1252.upperHalf
            for shift in 0..<count {
                let byte = UInt8(truncatingIfNeeded: bytes >> (8 * UInt32(shift)))
                UTF8Output.append(scalar: byte < 0x80 ? UInt32(byte) : UInt32(table[Int(byte) - 0x80]), to: &output)
            }
        }
    }
}
