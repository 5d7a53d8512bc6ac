import NIOCore
import POP3Core

extension POP3Session {
    /// What `retrieve` hands its handler for each message asked for, in order.
    public enum RetrieveEvent: Sendable {
        /// The server answered +OK: data follows.
        case start
        case data(ByteBuffer)
        case end
        /// The server answered -ERR for this message (it was deleted meanwhile, or is unreadable):
        /// no data follows, the others go on.
        case failed(code: String?, text: String)
    }

    /// One message to fetch, with the most bytes its answer may hold.
    public struct Request: Sendable, Hashable {
        public var number: Int
        public var limit: Int
        /// `TOP n lines` instead of RETR when set.
        public var topLines: Int?

        public init(number: Int, limit: Int, topLines: Int? = nil) {
            self.number = number
            self.limit = limit
            self.topLines = topLines
        }

        var command: POP3Command { topLines.map { .top(number, lines: $0) } ?? .retr(number) }
    }

    /// RETR (or TOP) for each request, streaming each message's data to `handler` as it arrives.
    ///
    /// With PIPELINING (RFC 2449 §6.6) up to `window` commands are on the wire at once, so the
    /// server never waits for the next command; without it, one at a time. An answer longer than
    /// its request's limit (a server whose LIST sizes lie, or a response that never ends) throws
    /// `responseTooLarge`: the connection cannot be trusted after that.
    public func retrieve(
        _ requests: [Request], window: Int = 16,
        handler: (Request, RetrieveEvent) async throws -> Void
    ) async throws {
        let depth = capabilities.contains("PIPELINING") ? max(1, window) : 1
        var sent = 0
        for (index, request) in requests.enumerated() {
            // Keep the pipe full: the next commands go out before this answer is read.
            let upTo = min(requests.count, index + depth)
            if sent < upTo {
                try await write(requests[sent..<upTo].map(\.command))
                sent = upTo
            }
            switch try await readStatus() {
            case .ok:
                try await handler(request, .start)
                try await readData(command: "\(request.command.name) \(request.number)", limit: request.limit) { chunk in
                    try await handler(request, .data(chunk))
                }
                try await handler(request, .end)
            case .err(let code, let text):
                try await handler(request, .failed(code: code, text: text))
            case .continuation:
                throw POP3Error.protocolViolation("a SASL challenge in answer to \(request.command.name)")
            }
        }
    }

    /// DELE for each number, pipelined when the server allows it; returns the numbers the server
    /// accepted (a message another session already deleted is answered -ERR and left out).
    public func delete(_ numbers: [Int], window: Int = 64) async throws -> [Int] {
        let depth = capabilities.contains("PIPELINING") ? max(1, window) : 1
        var accepted: [Int] = []
        var start = 0
        while start < numbers.count {
            let group = Array(numbers[start..<min(numbers.count, start + depth)])
            try await write(group.map { .dele($0) })
            for number in group {
                switch try await readStatus() {
                case .ok: accepted.append(number)
                case .err: continue
                case .continuation: throw POP3Error.protocolViolation("a SASL challenge in answer to DELE")
                }
            }
            start += group.count
        }
        return accepted
    }
}
