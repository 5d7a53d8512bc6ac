import IMAPCore
import NIOCore

/// One message for a pipelined APPEND.
public struct AppendRequest: Sendable, Hashable {
    public var mailbox: MailboxName
    public var flags: [Flag]
    public var date: InternalDate?
    /// The exact number of bytes the body reader will give.
    public var size: Int

    public init(mailbox: MailboxName, flags: [Flag], date: InternalDate?, size: Int) {
        self.mailbox = mailbox
        self.flags = flags
        self.date = date
        self.size = size
    }
}

/// What became of one APPEND.
public enum AppendOutcome: Sendable, Hashable {
    /// The server stored the message; the UID when it has UIDPLUS (RFC 4315 APPENDUID).
    case appended(uidValidity: UInt32?, uid: UInt32?)
    /// The server refused this message (tagged NO or BAD); the conversation goes on.
    case refused(status: ResponseStatus, text: ResponseText)
}

/// Fills the buffer with the next bytes of a message body and returns how many; 0 at its end.
public typealias AppendBodyReader = (UnsafeMutableRawBufferPointer) throws -> Int

extension IMAPSession {
    /// APPENDs several messages with up to `window` in flight (RFC 9051 §6.3.12), streaming each body
    /// from `body(index)`, which is asked for just before its command is sent. With LITERAL+ (RFC 7888)
    /// nothing waits for continuations; without it, completions of earlier APPENDs are taken while
    /// waiting for the next `+`. `completed` hears of every message, in the server's order.
    ///
    /// A refusal of one message is its outcome, not an error; a broken connection or a body reader
    /// that gives other than `size` bytes throws (the literal cannot be taken back).
    public func append(
        _ requests: [AppendRequest], window: Int = 16, body: (Int) throws -> AppendBodyReader,
        completed: (Int, AppendOutcome) async throws -> Void
    ) async throws {
        var inFlight: [(tag: Tag, index: Int)] = []
        var next = 0

        func complete(_ tagged: TaggedResponse, index: Int) async throws {
            guard tagged.status == .ok else {
                try await completed(index, .refused(status: tagged.status, text: tagged.text))
                return
            }
            if case .appendUID(let validity, let uids)? = tagged.text.code, let uid = uids.numbers.first {
                try await completed(index, .appended(uidValidity: validity, uid: uid))
            } else {
                try await completed(index, .appended(uidValidity: nil, uid: nil))
            }
        }

        /// Handles one event while APPENDs are in flight; true when it was `tag`'s own completion.
        func handle(_ event: ResponseEvent, waitingFor tag: Tag?, index: Int) async throws -> Bool {
            switch event {
            case .tagged(let tagged) where tagged.tag == tag:
                try await complete(tagged, index: index)
                return true
            case .tagged(let tagged):
                guard let position = inFlight.firstIndex(where: { $0.tag == tagged.tag }) else {
                    throw IMAPError.protocolViolation("completion for unknown tag \(tagged.tag)")
                }
                let entry = inFlight.remove(at: position)
                try await complete(tagged, index: entry.index)
            case .untagged(let untagged):
                absorb(untagged)
            case .continuation(let text) where tag == nil:
                throw IMAPError.protocolViolation("unexpected continuation \"\(text.prefix(80))\"")
            default:
                break
            }
            return false
        }

        while next < requests.count || !inFlight.isEmpty {
            guard next < requests.count, inFlight.count < max(1, window) else {
                _ = try await handle(try await nextEvent(), waitingFor: nil, index: -1)
                continue
            }
            let index = next
            next += 1
            let request = requests[index]
            let reader = try body(index)
            let tag = makeTag()
            var refused = false
            sending: for part in encoder.encode(
                .append(request.mailbox, flags: request.flags, date: request.date, size: request.size), tag: tag)
            {
                switch part {
                case .bytes(let bytes):
                    try await write(bytes)
                case .awaitContinuation:
                    while true {
                        let event = try await nextEvent()
                        if case .continuation = event { break }
                        if try await handle(event, waitingFor: tag, index: index) {
                            refused = true
                            break sending
                        }
                    }
                }
            }
            guard !refused else { continue }
            try await streamBody(reader, size: request.size)
            inFlight.append((tag, index))
        }
    }

    /// Writes exactly `size` bytes from `reader`, then the CRLF that ends the command.
    func streamBody(_ reader: AppendBodyReader, size: Int) async throws {
        var written = 0
        while written < size {
            var chunk = ByteBuffer()
            let count = try chunk.writeWithUnsafeMutableBytes(minimumWritableBytes: min(1 << 16, size - written)) {
                pointer in
                try reader(UnsafeMutableRawBufferPointer(rebasing: pointer.prefix(size - written)))
            }
            guard count > 0 else { break }
            written += count
            try await write(chunk)
        }
        guard written == size else {
            throw IMAPError.protocolViolation("APPEND body was \(written) bytes, announced \(size)")
        }
        try await write(ByteBuffer(string: "\r\n"))
    }

    /// SUBSCRIBE (RFC 9051 §6.3.7).
    public func subscribe(_ mailbox: MailboxName) async throws {
        try await run(.subscribe(mailbox))
    }
}
