#if canImport(Glibc)
    import Glibc
#endif

/// mboxrd `From ` quoting (RFC 4155 section 2 and the mboxrd convention): a line that starts with
/// any number of `>` followed by `From ` gains one `>` on the way into an mbox and loses one on the
/// way out, so unquoting gives back exactly the bytes that were quoted.
///
/// Streams: input comes in chunks of any size, and only the start of the current line (its `>`s,
/// as a count, and up to five bytes of `From `) is held between chunks.
public struct MboxQuoting {
    public enum Direction: Sendable {
        case quote
        case unquote
    }

    static let from: [UInt8] = Array("From ".utf8)
    static let greaterThan = UInt8(ascii: ">")

    public let direction: Direction
    /// At the start of a line, until it is clear whether the line is a `>*From ` line.
    private var deciding = true
    private var greaterThans = 0
    private var matched = 0

    public init(_ direction: Direction) {
        self.direction = direction
    }

    /// Transforms the next chunk, appending the result to `output`.
    public mutating func process(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        guard let base = input.baseAddress else { return }
        let count = input.count
        var index = 0
        while index < count {
            if deciding {
                let byte = input[index]
                if matched == 0 && byte == Self.greaterThan {
                    greaterThans += 1
                    index += 1
                    continue
                }
                if byte == Self.from[matched] {
                    matched += 1
                    index += 1
                    if matched == Self.from.count { emitFromLine(into: &output) }
                    continue
                }
                // Not a From line: what was held back goes out as it was; this byte starts the body.
                flushHeld(into: &output)
            }
            guard let newline = memchr(base + index, 0x0A, count - index) else {
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[index..<count]))
                return
            }
            let end = UnsafeRawPointer(newline) - base + 1
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[index..<end]))
            index = end
            deciding = true
        }
    }

    public mutating func process(_ input: [UInt8], into output: inout [UInt8]) {
        input.withUnsafeBytes { process($0, into: &output) }
    }

    /// Ends the input: a last line that stopped in the middle of `>>From` goes out unchanged.
    public mutating func finish(into output: inout [UInt8]) {
        if deciding { flushHeld(into: &output) }
        deciding = true
    }

    private mutating func emitFromLine(into output: inout [UInt8]) {
        let quotes: Int
        switch direction {
        case .quote: quotes = greaterThans + 1
        // An unquoted From line cannot be inside an entry we wrote; it passes through unchanged.
        case .unquote: quotes = max(greaterThans - 1, 0)
        }
        output.append(contentsOf: repeatElement(Self.greaterThan, count: quotes))
        output.append(contentsOf: Self.from)
        greaterThans = 0
        matched = 0
        deciding = false
    }

    private mutating func flushHeld(into output: inout [UInt8]) {
        output.append(contentsOf: repeatElement(Self.greaterThan, count: greaterThans))
        output.append(contentsOf: Self.from[0..<matched])
        greaterThans = 0
        matched = 0
        deciding = false
    }
}
