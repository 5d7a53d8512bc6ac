import Foundation
import NIOCore

/// Streams the data of a multi-line response (a RETR or TOP message) out of the received bytes,
/// removing the byte-stuffing (RFC 1939 §3), in chunks of bounded size: a message of any size
/// passes through without ever being held whole.
///
/// The data handed out is the message exactly as the server holds it, line ends included: the CRLF
/// before the terminating "." belongs to the last line. Lenient where that loses nothing: a bare LF
/// ends a line, ".\n" ends the response, and a line starting with a single "." that is not the
/// terminator (an unstuffed line) keeps its dot.
public struct MultilineDecoder: Sendable {
    public enum Event: Hashable, Sendable {
        /// Message bytes, stuffing removed.
        case data(ByteBuffer)
        /// The terminating "." line was consumed.
        case end
    }

    /// Largest chunk handed out at once.
    public var chunkLimit: Int
    private var atLineStart = true
    public private(set) var isFinished = false

    public init(chunkLimit: Int = 64 << 10) {
        self.chunkLimit = max(1, chunkLimit)
    }

    /// The next event, consuming what it reports; nil when more bytes are needed. After `.end` it
    /// returns nil and leaves the bytes after the terminator (pipelined responses) untouched.
    public mutating func next(_ buffer: inout ByteBuffer) -> Event? {
        guard !isFinished, buffer.readableBytes > 0 else { return nil }
        if atLineStart, buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) == ASCII.dot {
            guard buffer.readableBytes >= 2 else { return nil }
            let second = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self)!
            switch second {
            case ASCII.lf:
                buffer.moveReaderIndex(forwardBy: 2)
                isFinished = true
                return .end
            case ASCII.cr:
                guard buffer.readableBytes >= 3 else { return nil }
                if buffer.getInteger(at: buffer.readerIndex + 2, as: UInt8.self) == ASCII.lf {
                    buffer.moveReaderIndex(forwardBy: 3)
                    isFinished = true
                    return .end
                }
            case ASCII.dot:
                // The stuffing dot: drop it, the rest of the line is data.
                buffer.moveReaderIndex(forwardBy: 1)
            default:
                break
            }
            atLineStart = false
            guard buffer.readableBytes > 0 else { return nil }
        }
        let length = dataLength(in: buffer)
        let chunk = buffer.readSlice(length: length)!
        return .data(chunk)
    }

    /// How many bytes from the reader index are plain data: up to the end of a line after which a
    /// line starts with "." (which needs a decision first), the chunk limit, or the bytes there are.
    private mutating func dataLength(in buffer: ByteBuffer) -> Int {
        let readable = buffer.readableBytes
        let window = min(readable, chunkLimit)
        return buffer.withUnsafeReadableBytes { raw -> Int in
            guard let base = raw.baseAddress else { return 0 }
            var position = 0
            while position < window {
                guard let found = memchr(base + position, Int32(ASCII.lf), window - position) else {
                    atLineStart = false
                    return window
                }
                let end = UnsafeRawPointer(found) - base + 1
                if end == window || raw[end] == ASCII.dot {
                    atLineStart = true
                    return end
                }
                position = end
            }
            return window
        }
    }
}
