import IMAPCore
import NIOCore

extension IMAPSession {
    /// The largest message any mailbox takes, from `APPENDLIMIT=n` (RFC 7889 §3); nil when the server names
    /// none, or names one per mailbox (bare `APPENDLIMIT`: ask STATUS, see `hasPerMailboxAppendLimit`).
    public var appendLimit: Int64? {
        capabilities.lazy.compactMap { name in
            name.hasPrefix("APPENDLIMIT=") ? Int64(name.dropFirst("APPENDLIMIT=".count)) : nil
        }.first
    }

    /// The server offers bare `APPENDLIMIT`: each mailbox's limit is a STATUS item (RFC 7889 §4).
    public var hasPerMailboxAppendLimit: Bool { hasCapability("APPENDLIMIT") }

    /// APPEND a message whose bytes `writeBody` streams (it must write exactly `size` bytes).
    /// Returns the UID when the server has UIDPLUS (RFC 4315).
    @discardableResult
    public func append(
        to mailbox: MailboxName, flags: [Flag], date: InternalDate?, size: Int,
        writeBody: (_ write: (ByteBuffer) async throws -> Void) async throws -> Void
    ) async throws -> (uidValidity: UInt32, uid: UInt32)? {
        let tag = try await send(.append(mailbox, flags: flags, date: date, size: size))
        var written = 0
        try await writeBody { chunk in
            written += chunk.readableBytes
            try await self.write(chunk)
        }
        guard written == size else {
            throw IMAPError.protocolViolation("APPEND body was \(written) bytes, announced \(size)")
        }
        try await write(ByteBuffer(string: "\r\n"))
        while true {
            let event = try await nextEvent()
            switch event {
            case .tagged(let tagged) where tagged.tag == tag:
                guard tagged.status == .ok else {
                    throw IMAPError.commandFailed(command: "APPEND", status: tagged.status, text: tagged.text)
                }
                if case .appendUID(let validity, let uids)? = tagged.text.code, let uid = uids.numbers.first {
                    return (validity, uid)
                }
                return nil
            case .tagged(let tagged):
                throw IMAPError.protocolViolation("completion for unknown tag \(tagged.tag)")
            case .untagged(let untagged):
                absorb(untagged)
            case .continuation(let text):
                throw IMAPError.protocolViolation("unexpected continuation \"\(text.prefix(80))\"")
            default:
                continue
            }
        }
    }

    /// APPEND a message held in memory.
    @discardableResult
    public func append(to mailbox: MailboxName, flags: [Flag] = [], date: InternalDate? = nil, message: [UInt8])
        async throws -> (uidValidity: UInt32, uid: UInt32)?
    {
        try await append(to: mailbox, flags: flags, date: date, size: message.count) { write in
            try await write(ByteBuffer(bytes: message))
        }
    }
}
