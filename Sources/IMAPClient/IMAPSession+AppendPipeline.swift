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

/// What became of one APPEND command carrying several messages (MULTIAPPEND, RFC 3502): all were
/// stored or none was.
public enum AppendGroupOutcome: Sendable, Hashable {
    /// The server stored every message; their UIDs in order when it has UIDPLUS (RFC 4315 APPENDUID).
    case appended(uidValidity: UInt32?, uids: [UInt32])
    /// The server refused the command: none of its messages was stored.
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
        try await append(requests, groups: requests.indices.map { $0..<$0 + 1 }, window: window, body: body) {
            group, outcome in
            switch outcome {
            case .appended(let validity, let uids):
                try await completed(group.lowerBound, .appended(uidValidity: validity, uid: uids.first))
            case .refused(let status, let text):
                try await completed(group.lowerBound, .refused(status: status, text: text))
            }
        }
    }

    /// APPENDs `requests` as one command per group, pipelined like the single-message form. A group of
    /// several messages (all to the same mailbox) is one MULTIAPPEND (RFC 3502): the caller checks the
    /// capability. `completed` hears of every group, in the server's order.
    public func append(
        _ requests: [AppendRequest], groups: [Range<Int>], window: Int = 16, body: (Int) throws -> AppendBodyReader,
        completed: (Range<Int>, AppendGroupOutcome) async throws -> Void
    ) async throws {
        var inFlight: [(tag: Tag, group: Range<Int>)] = []
        var next = 0

        func complete(_ tagged: TaggedResponse, group: Range<Int>) async throws {
            guard tagged.status == .ok else {
                try await completed(group, .refused(status: tagged.status, text: tagged.text))
                return
            }
            if case .appendUID(let validity, let uids)? = tagged.text.code, uids.numbers.count == group.count {
                try await completed(group, .appended(uidValidity: validity, uids: uids.numbers))
            } else {
                try await completed(group, .appended(uidValidity: nil, uids: []))
            }
        }

        /// Handles one event while APPENDs are in flight; true when it was `tag`'s own completion.
        func handle(_ event: ResponseEvent, waitingFor tag: Tag?, group: Range<Int>) async throws -> Bool {
            switch event {
            case .tagged(let tagged) where tagged.tag == tag:
                try await complete(tagged, group: group)
                return true
            case .tagged(let tagged):
                guard let position = inFlight.firstIndex(where: { $0.tag == tagged.tag }) else {
                    throw IMAPError.protocolViolation("completion for unknown tag \(tagged.tag)")
                }
                let entry = inFlight.remove(at: position)
                try await complete(tagged, group: entry.group)
            case .untagged(let untagged):
                absorb(untagged)
            case .continuation(let text) where tag == nil:
                throw IMAPError.protocolViolation("unexpected continuation \"\(text.prefix(80))\"")
            default:
                break
            }
            return false
        }

        while next < groups.count || !inFlight.isEmpty {
            guard next < groups.count, inFlight.count < max(1, window) else {
                _ = try await handle(try await nextEvent(), waitingFor: nil, group: 0..<0)
                continue
            }
            let group = groups[next]
            next += 1
            let tag = makeTag()
            var refused = false
            sending: for index in group {
                let request = requests[index]
                let reader = try body(index)
                let parts =
                    index == group.lowerBound
                    ? encoder.encode(
                        .append(request.mailbox, flags: request.flags, date: request.date, size: request.size), tag: tag
                    )
                    : encoder.encodeAppendMessage(flags: request.flags, date: request.date, size: request.size)
                for part in parts {
                    switch part {
                    case .bytes(let bytes):
                        try await write(bytes)
                    case .awaitContinuation:
                        while true {
                            let event = try await nextEvent()
                            if case .continuation = event { break }
                            // A refusal instead of `+` ends the whole command (RFC 3502 §6.3.11).
                            if try await handle(event, waitingFor: tag, group: group) {
                                refused = true
                                break sending
                            }
                        }
                    }
                }
                try await streamBody(reader, size: request.size)
            }
            guard !refused else { continue }
            try await write(ByteBuffer(string: "\r\n"))
            inFlight.append((tag, group))
        }
    }

    /// Writes exactly `size` bytes from `reader`.
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
    }

    /// SUBSCRIBE (RFC 9051 §6.3.7).
    public func subscribe(_ mailbox: MailboxName) async throws {
        try await run(.subscribe(mailbox))
    }
}
