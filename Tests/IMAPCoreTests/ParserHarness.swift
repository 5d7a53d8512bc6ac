import IMAPCore
import NIOCore
import Testing

/// Wire bytes from readable fixture text: every `\n` becomes CRLF, and `{?}` followed by a line
/// break and `<<...>>` becomes a literal whose size is counted here (after the CRLF conversion).
func wire(_ text: String) -> [UInt8] {
    var bytes = Array(text.replacingAll("\n", with: "\r\n").utf8)
    let marker = Array("{?}\r\n<<".utf8)
    while let start = bytes.firstRange(of: marker) {
        let contentStart = start.upperBound
        guard let close = bytes[contentStart...].firstRange(of: Array(">>".utf8)) else { break }
        let content = Array(bytes[contentStart..<close.lowerBound])
        let header = Array("{\(content.count)}\r\n".utf8)
        bytes.replaceSubrange(start.lowerBound..<close.upperBound, with: header + content)
    }
    return bytes
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

/// What feeding some bytes to a fresh parser produced.
struct ParseOutcome: Equatable {
    var events: [ResponseEvent]
    var error: ParseError?
    /// Bytes the parser had not consumed at the end (waiting for more).
    var leftover: Int
}

/// Feeds `bytes` in pieces of `step` bytes (all at once when nil), draining events after each piece.
/// Adjacent body chunks are merged, so that outcomes of different feeding patterns compare equal.
func parse(_ bytes: [UInt8], step: Int? = nil, limits: ResponseParser.Limits = .init()) -> ParseOutcome {
    var parser = ResponseParser(limits: limits)
    var buffer = ByteBuffer()
    var events: [ResponseEvent] = []
    var offset = 0
    let step = max(1, step ?? bytes.count)
    repeat {
        let end = min(bytes.count, offset + step)
        buffer.writeBytes(bytes[offset..<end])
        offset = end
        do {
            // A parser that never returns nil would spin: bound the events per byte fed.
            var budget = 4 * (buffer.readableBytes + 8)
            while let event = try parser.next(&buffer) {
                events.append(event)
                budget -= 1
                if budget == 0 { fatalError("parser does not make progress") }
            }
        } catch {
            return ParseOutcome(events: merged(events), error: error, leftover: buffer.readableBytes)
        }
        buffer.discardReadBytes()
    } while offset < bytes.count
    return ParseOutcome(events: merged(events), error: nil, leftover: buffer.readableBytes)
}

func parse(_ text: String, step: Int? = nil, limits: ResponseParser.Limits = .init()) -> ParseOutcome {
    parse(wire(text), step: step, limits: limits)
}

/// Concatenates consecutive body chunks.
func merged(_ events: [ResponseEvent]) -> [ResponseEvent] {
    var result: [ResponseEvent] = []
    for event in events {
        if case .fetchBodyChunk(var next) = event, case .fetchBodyChunk(var previous)? = result.last {
            previous.writeBuffer(&next)
            result[result.count - 1] = .fetchBodyChunk(previous)
        } else {
            result.append(event)
        }
    }
    return result
}

/// A body chunk event from text.
func chunk(_ text: String) -> ResponseEvent { .fetchBodyChunk(ByteBuffer(string: text)) }

/// The events of one FETCH response with these items in between.
func fetch(_ sequence: UInt32, _ items: [ResponseEvent]) -> [ResponseEvent] {
    [.fetchStart(sequence: sequence)] + items + [.fetchEnd]
}

/// The events of one body section.
func body(_ section: String, origin: UInt32? = nil, _ text: String?) -> [ResponseEvent] {
    guard let text else { return [.fetchBodyStart(section: section, origin: origin, size: nil), .fetchBodyEnd] }
    let bytes = wire(text)
    let start = ResponseEvent.fetchBodyStart(section: section, origin: origin, size: bytes.count)
    return bytes.isEmpty ? [start, .fetchBodyEnd] : [start, .fetchBodyChunk(ByteBuffer(bytes: bytes)), .fetchBodyEnd]
}

func ok(_ text: String, _ code: ResponseCode? = nil) -> ResponseEvent {
    .untagged(.condition(.ok, ResponseText(code: code, text: text)))
}

func tagged(_ tag: String, _ text: String, _ code: ResponseCode? = nil) -> ResponseEvent {
    tagged(tag, .ok, text, code)
}

func tagged(_ tag: String, _ status: ResponseStatus, _ text: String, _ code: ResponseCode? = nil) -> ResponseEvent {
    .tagged(TaggedResponse(tag: Tag(tag), status: status, text: ResponseText(code: code, text: text)))
}

func mailbox(_ text: String) -> MailboxName { MailboxName(bytes: Array(text.utf8)) }

extension ResponseParser.Limits {
    /// Limits small enough for tests to reach.
    static func small(line: Int, inlineLiteral: Int, depth: Int, bodyChunk: Int) -> Self {
        var limits = Self()
        limits.maximumLineLength = line
        limits.maximumInlineLiteral = inlineLiteral
        limits.maximumDepth = depth
        limits.bodyChunk = bodyChunk
        return limits
    }
}

/// A fixture: readable wire text and the events it must produce.
struct Transcript: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    var events: [ResponseEvent]
    var testDescription: String { name }
}
