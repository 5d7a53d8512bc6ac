import NIOCore
import TestSupport
import Testing

@testable import POP3Core

/// Dot-unstuffing of RETR/TOP data: the same message whether the bytes come at once, a byte at a
/// time or in odd pieces, and never more than a chunk at once.
struct MultilineDecoderTests {
    /// Wire bytes → the message they carry.
    static let cases: [(wire: String, message: String)] = [
        (".\r\n", ""),
        ("a\r\n.\r\n", "a\r\n"),
        ("..\r\n.\r\n", ".\r\n"),
        ("..leading dot\r\n...two dots\r\n.\r\n", ".leading dot\r\n..two dots\r\n"),
        ("x.\r\n. \r\n.\r\n", "x.\r\n. \r\n"),
        ("Subject: hi\r\n\r\nbody\r\n.\r\n", "Subject: hi\r\n\r\nbody\r\n"),
        ("bare\nlf\n.\n", "bare\nlf\n"),
        (".unstuffed keeps its dot\r\n.\r\n", ".unstuffed keeps its dot\r\n"),
        (".\rnot the end\r\n.\r\n", ".\rnot the end\r\n"),
        ("no final newline.\r\n.\r\n", "no final newline.\r\n"),
    ]

    static func decode(_ pieces: [[UInt8]], chunkLimit: Int = 64 << 10) -> (message: [UInt8], rest: [UInt8], ended: Bool, largest: Int) {
        var decoder = MultilineDecoder(chunkLimit: chunkLimit)
        var buffer = ByteBuffer()
        var message: [UInt8] = []
        var largest = 0
        var ended = false
        for piece in pieces {
            buffer.writeBytes(piece)
            while let event = decoder.next(&buffer) {
                switch event {
                case .data(let chunk):
                    #expect(chunk.readableBytes > 0, "no empty chunks")
                    largest = max(largest, chunk.readableBytes)
                    message += chunk.readableBytesView
                case .end:
                    ended = true
                }
            }
        }
        return (message, Array(buffer.readableBytesView), ended, largest)
    }

    @Test(arguments: cases)
    func whole(_ wire: String, _ message: String) {
        let result = Self.decode([Array(wire.utf8)])
        #expect(result.ended)
        #expect(String(decoding: result.message, as: UTF8.self) == message)
    }

    @Test(arguments: cases)
    func dripFed(_ wire: String, _ message: String) {
        let result = Self.decode(Array(wire.utf8).map { [$0] }, chunkLimit: 3)
        #expect(result.ended)
        #expect(String(decoding: result.message, as: UTF8.self) == message)
        #expect(result.largest <= 3)
    }

    @Test func bytesAfterTheTerminatorStayForTheNextResponse() {
        let result = Self.decode([Array("one\r\n.\r\n+OK next\r\n".utf8)])
        #expect(result.ended)
        #expect(String(decoding: result.rest, as: UTF8.self) == "+OK next\r\n")
    }

    @Test func unfinishedResponseHasNoEnd() {
        let result = Self.decode([Array("line\r\n.".utf8)])
        #expect(!result.ended)
        #expect(String(decoding: result.message, as: UTF8.self) == "line\r\n")
        #expect(String(decoding: result.rest, as: UTF8.self) == ".")
    }

    /// Random messages, stuffed as a server does, cut at random places: always the original back.
    @Test func randomMessagesRoundTrip() {
        var generator = SeededRandom(seed: 42)
        for _ in 0..<200 {
            var message: [UInt8] = []
            for _ in 0..<Int(generator.next() % 40) {
                var line: [UInt8] = []
                let kind = generator.next() % 5
                if kind == 0 { line.append(ASCII.dot) }
                if kind == 1 { line += [ASCII.dot, ASCII.dot] }
                for _ in 0..<Int(generator.next() % 90) { line.append(UInt8(0x20 + generator.next() % 95)) }
                message += line + [ASCII.cr, ASCII.lf]
            }
            var wire: [UInt8] = []
            var lineStart = true
            for byte in message {
                if lineStart, byte == ASCII.dot { wire.append(ASCII.dot) }
                wire.append(byte)
                lineStart = byte == ASCII.lf
            }
            wire += Array(".\r\n".utf8)
            var pieces: [[UInt8]] = []
            var index = 0
            while index < wire.count {
                let length = min(wire.count - index, 1 + Int(generator.next() % 17))
                pieces.append(Array(wire[index..<index + length]))
                index += length
            }
            let result = Self.decode(pieces, chunkLimit: 1 + Int(generator.next() % 64))
            #expect(result.ended)
            #expect(result.message == message)
        }
    }

    /// A multi-megabyte message passes in chunks no larger than the limit.
    @Test func largeMessageStreamsInBoundedChunks() {
        let line = Array(String(repeating: "0123456789", count: 7).utf8) + [ASCII.cr, ASCII.lf]
        var decoder = MultilineDecoder(chunkLimit: 16 << 10)
        var buffer = ByteBuffer()
        var total = 0
        var largest = 0
        for _ in 0..<(5 << 20) / line.count {
            buffer.writeBytes(line)
            if buffer.readableBytes > 64 << 10 {
                while let event = decoder.next(&buffer), case .data(let chunk) = event {
                    total += chunk.readableBytes
                    largest = max(largest, chunk.readableBytes)
                }
                buffer.discardReadBytes()
            }
        }
        buffer.writeString(".\r\n")
        var ended = false
        while let event = decoder.next(&buffer) {
            if case .data(let chunk) = event { total += chunk.readableBytes } else { ended = true }
        }
        #expect(ended)
        #expect(total == ((5 << 20) / line.count) * line.count)
        #expect(largest <= 16 << 10)
    }
}
