import NIOCore

/// Cuts single lines (status lines, listing lines) off the front of the received bytes.
///
/// A line ends at LF (CRLF, or a bare LF from a sloppy server); the line handed out has neither.
/// Lines are bounded: a server that sends endless bytes without a line end gets `lineTooLong` as
/// soon as the limit is passed, not after it has filled memory.
public struct LineFramer: Sendable {
    /// RFC 1939 allows 512 bytes; real servers send longer greetings and UIDLs, so be generous.
    public var maximumLineLength: Int

    public init(maximumLineLength: Int = 8 << 10) {
        self.maximumLineLength = maximumLineLength
    }

    /// The next line, consumed from `buffer`, or nil (nothing consumed) when its end has not arrived.
    public func nextLine(_ buffer: inout ByteBuffer) throws(POP3ParseError) -> ByteBuffer? {
        let readable = buffer.readableBytes
        let window = min(readable, maximumLineLength + 2)
        let found = buffer.withUnsafeReadableBytes { raw in
            UnsafeRawBufferPointer(rebasing: raw[0..<window]).firstIndex(of: ASCII.lf)
        }
        guard let lf = found else {
            if readable > maximumLineLength + 1 {
                throw .lineTooLong(actual: readable, maximum: maximumLineLength)
            }
            return nil
        }
        var length = lf
        if length > 0, buffer.getInteger(at: buffer.readerIndex + length - 1, as: UInt8.self) == ASCII.cr { length -= 1 }
        guard length <= maximumLineLength else { throw .lineTooLong(actual: length, maximum: maximumLineLength) }
        let line = buffer.getSlice(at: buffer.readerIndex, length: length)!
        buffer.moveReaderIndex(forwardBy: lf + 1)
        return line
    }
}

/// One line of a multi-line response (RFC 1939 §3): a data line with its byte-stuffing removed,
/// or the end (a line holding only ".").
public enum MultilineLine: Hashable, Sendable {
    case line(ByteBuffer)
    case end

    /// Classifies a line cut by `LineFramer`.
    public init(_ line: ByteBuffer) {
        var line = line
        if line.readableBytes == 1, line.getInteger(at: line.readerIndex, as: UInt8.self) == ASCII.dot {
            self = .end
            return
        }
        if line.readableBytes >= 2, line.getInteger(at: line.readerIndex, as: UInt8.self) == ASCII.dot,
            line.getInteger(at: line.readerIndex + 1, as: UInt8.self) == ASCII.dot
        {
            line.moveReaderIndex(forwardBy: 1)
        }
        self = .line(line)
    }
}
