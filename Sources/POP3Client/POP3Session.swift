import Logging
import MailTransport
import NIOCore
import POP3Core

/// A POP3 conversation on one connection, owned by the task inside `withSession`.
///
/// Deletions take effect only when the server accepts QUIT (RFC 1939 §6), which `withSession`
/// sends when `body` returns normally. When `body` throws, the connection is closed without QUIT,
/// so every DELE of the session is forgotten by the server.
public final class POP3Session {
    public struct Limits: Sendable {
        /// Largest CAPA, LIST or UIDL answer (a million messages fit).
        public var maximumListingBytes = 64 << 20
        /// Largest chunk of message data handed to a handler at once.
        public var chunk = 64 << 10
        public init() {}
    }

    public let endpoint: Endpoint
    let connection: TransportConnection
    let logger: Logger
    let limits: Limits
    var buffer = ByteBuffer()
    let framer = LineFramer()
    public internal(set) var capabilities = POP3Capabilities()
    /// False when the server answered CAPA with -ERR (an RFC 1939-only server).
    public internal(set) var answersCAPA = false
    /// The greeting's text (for `check`).
    public internal(set) var greeting = ""
    public internal(set) var isAuthenticated = false

    init(connection: TransportConnection, logger: Logger, limits: Limits) {
        self.connection = connection
        self.endpoint = connection.endpoint
        self.logger = logger
        self.limits = limits
    }

    /// Connects, reads the greeting, secures the connection as `endpoint.tls` says and runs `body`;
    /// then QUIT, which must succeed: only then are the session's deletions done.
    public static func withSession<Result: Sendable>(
        endpoint: Endpoint, logger: Logger = Logger(label: "mailferry.pop3"), limits: Limits = Limits(),
        _ body: (POP3Session) async throws -> Result
    ) async throws -> Result {
        do {
            return try await Transport.withConnection(to: endpoint, logger: logger) { connection in
                let session = POP3Session(connection: connection, logger: logger, limits: limits)
                try await session.start()
                let result = try await body(session)
                try await session.quit()
                return result
            }
        } catch let error as TransportError {
            throw POP3Error.transport(error)
        }
    }

    // MARK: - Greeting and TLS

    func start() async throws {
        let response = try await readStatus()
        guard case .ok(_, let text) = response else { throw POP3Error.greetingRefused(response.text) }
        greeting = text
        try await refreshCapabilities()
        guard endpoint.tls == .starttls else { return }
        guard capabilities.contains("STLS") else { throw POP3Error.stlsNotOffered }
        try await simple(.stls)
        // Whatever arrived before the handshake was not protected: drop it.
        buffer.clear()
        try await wrap { () throws(TransportError) in try await connection.startTLS() }
        try await refreshCapabilities()
    }

    /// CAPA (RFC 2449); a server without it answers -ERR, which leaves the capabilities empty.
    public func refreshCapabilities() async throws {
        try await send(.capa)
        guard try await readStatus().isOK else {
            answersCAPA = false
            capabilities = POP3Capabilities()
            return
        }
        answersCAPA = true
        capabilities = POP3Capabilities(lines: try await readListing(command: "CAPA"))
    }

    // MARK: - Commands

    /// STAT: how many messages and octets the maildrop holds.
    public func stat() async throws -> DropListing {
        try await send(.stat)
        let response = try await expectOK(.stat)
        return try parsed { () throws(POP3ParseError) in try DropListing.parse(response.text) }
    }

    /// LIST: every message's number and size.
    public func list() async throws -> [ScanListing] {
        try await send(.list(nil))
        _ = try await expectOK(.list(nil))
        return try await readListing(command: "LIST").map { line in
            try parsed { () throws(POP3ParseError) in try ScanListing.parse(line) }
        }
    }

    /// UIDL: every message's unique-id, or nil when the server does not support UIDL.
    public func uniqueIDs() async throws -> [UniqueIDListing]? {
        try await send(.uidl(nil))
        guard try await readStatus().isOK else { return nil }
        return try await readListing(command: "UIDL").map { line in
            try parsed { () throws(POP3ParseError) in try UniqueIDListing.parse(line) }
        }
    }

    /// DELE: marks one message for deletion at QUIT.
    public func delete(_ number: Int) async throws {
        try await simple(.dele(number))
    }

    /// RSET: unmarks every message marked for deletion in this session.
    public func reset() async throws {
        try await simple(.rset)
    }

    public func noop() async throws {
        try await simple(.noop)
    }

    /// QUIT: ends the session; the server removes the messages marked for deletion.
    func quit() async throws {
        try await simple(.quit)
    }

    // MARK: - Bytes

    /// Sends a command that answers with one line and throws unless it is +OK.
    @discardableResult
    func simple(_ command: POP3Command) async throws -> POP3Response {
        try await send(command)
        return try await expectOK(command)
    }

    func expectOK(_ command: POP3Command) async throws -> POP3Response {
        let response = try await readStatus()
        switch response {
        case .ok: return response
        case .err(let code, let text): throw POP3Error.commandFailed(command: command.name, code: code, text: text)
        case .continuation: throw POP3Error.protocolViolation("a SASL challenge in answer to \(command.name)")
        }
    }

    func send(_ command: POP3Command) async throws {
        try await write([command])
    }

    func write(_ commands: [POP3Command]) async throws {
        var buffers: [ByteBuffer] = []
        for command in commands {
            do {
                buffers.append(try command.encode())
            } catch {
                throw POP3Error.invalidCommand(error)
            }
            if logger.logLevel <= .trace { logger.trace("C: \(command.name)") }
        }
        try await wrap { () throws(TransportError) in try await connection.write(contentsOf: buffers) }
    }

    /// The next status line.
    func readStatus() async throws -> POP3Response {
        let line = try await readLine()
        return try parsed { () throws(POP3ParseError) in try POP3Response.parse(line) }
    }

    func readLine() async throws -> ByteBuffer {
        while true {
            if let line = try parsed({ () throws(POP3ParseError) in try framer.nextLine(&buffer) }) { return line }
            try await fill()
        }
    }

    func parsed<T>(_ body: () throws(POP3ParseError) -> T) throws(POP3Error) -> T {
        do {
            return try body()
        } catch {
            throw .parse(error)
        }
    }

    /// The lines of a multi-line listing (CAPA, LIST, UIDL), unstuffed, up to the "." line.
    func readListing(command: String) async throws -> [ByteBuffer] {
        var lines: [ByteBuffer] = []
        var total = 0
        while true {
            let line = try await readLine()
            total += line.readableBytes + 2
            guard total <= limits.maximumListingBytes else {
                throw POP3Error.responseTooLarge(command: command, limit: limits.maximumListingBytes)
            }
            switch MultilineLine(line) {
            case .end: return lines
            case .line(let content): lines.append(content)
            }
        }
    }

    /// Streams the data of a multi-line answer to `handler`, at most `limit` bytes.
    func readData(command: String, limit: Int, _ handler: (ByteBuffer) async throws -> Void) async throws {
        var decoder = MultilineDecoder(chunkLimit: limits.chunk)
        var total = 0
        while true {
            while let event = decoder.next(&buffer) {
                switch event {
                case .data(let chunk):
                    total += chunk.readableBytes
                    guard total <= limit else { throw POP3Error.responseTooLarge(command: command, limit: limit) }
                    try await handler(chunk)
                case .end:
                    return
                }
            }
            try await fill()
        }
    }

    func fill() async throws {
        let chunk = try await wrap { () throws(TransportError) in try await connection.read() }
        guard let chunk else { throw POP3Error.connectionClosed }
        if buffer.readableBytes == 0 {
            buffer = chunk
        } else {
            buffer.discardReadBytes()
            buffer.writeImmutableBuffer(chunk)
        }
    }

    func wrap<T>(_ body: () async throws(TransportError) -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            if case .connectionClosed = error { throw POP3Error.connectionClosed }
            throw POP3Error.transport(error)
        }
    }
}
