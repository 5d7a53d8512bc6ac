import IMAPCore
import Logging
import MailTransport
import NIOCore

/// An IMAP4 conversation on one connection, owned by the task inside `withSession`.
///
/// Commands may be pipelined: several are in flight at once and their responses are routed by tag.
public final class IMAPSession {
    /// The result of one command: the untagged responses that came with it and its completion.
    public struct Completion: Sendable {
        public var untagged: [UntaggedResponse]
        public var tagged: TaggedResponse
    }

    public let endpoint: Endpoint
    let connection: TransportConnection
    let logger: Logger
    var parser = IMAPSession.makeParser()
    var buffer = ByteBuffer()
    var nextTag = 1
    var byeText: String?
    /// A longer read timeout while the server is expected to stay silent (IDLE).
    var readTimeoutOverride: Int64?
    /// Capability names, uppercased.
    public internal(set) var capabilities: Set<String> = []
    public internal(set) var isAuthenticated = false
    var encoder = CommandEncoder()

    /// Lines may be long (a plain SEARCH over a big folder); bodies stream whatever their size.
    static func makeParser() -> ResponseParser {
        var limits = ResponseParser.Limits()
        limits.maximumLineLength = 16 << 20
        return ResponseParser(limits: limits)
    }

    init(connection: TransportConnection, logger: Logger) {
        self.connection = connection
        self.endpoint = connection.endpoint
        self.logger = logger
    }

    /// Connects, reads the greeting, secures the connection as `endpoint.tls` says and runs `body`.
    /// The connection is closed when `body` ends (with LOGOUT when it ended normally).
    public static func withSession<Result: Sendable>(
        endpoint: Endpoint,
        logger: Logger = Logger(label: "mailferry.imap"),
        _ body: (IMAPSession) async throws -> Result
    ) async throws -> Result {
        do {
            return try await Transport.withConnection(to: endpoint, logger: logger) { connection in
                let session = IMAPSession(connection: connection, logger: logger)
                try await session.start()
                let result = try await body(session)
                try? await session.logout()
                return result
            }
        } catch let error as TransportError {
            throw IMAPError.transport(error)
        }
    }

    public func hasCapability(_ name: String) -> Bool { capabilities.contains(name.uppercased()) }

    // MARK: - Greeting and TLS

    func start() async throws {
        let greeting = try await nextEvent()
        guard case .untagged(.condition(let status, let text)) = greeting else {
            throw IMAPError.greetingRefused("no greeting")
        }
        switch status {
        case .ok: break
        case .preauth: isAuthenticated = true
        default: throw IMAPError.greetingRefused(text.text)
        }
        if case .capability(let names)? = text.code { setCapabilities(names) }
        if endpoint.tls == .starttls {
            if capabilities.isEmpty { try await refreshCapabilities() }
            guard hasCapability("STARTTLS") else { throw IMAPError.starttlsNotOffered }
            _ = try await run(.starttls)
            // Whatever arrived before the handshake was not protected: drop it.
            buffer.clear()
            parser = IMAPSession.makeParser()
            try await wrap { () throws(TransportError) in try await connection.startTLS() }
            capabilities = []
        }
        if capabilities.isEmpty { try await refreshCapabilities() }
    }

    func setCapabilities(_ names: [String]) {
        capabilities = Set(names.map { $0.uppercased() })
        encoder.literalPlus = capabilities.contains("LITERAL+")
        encoder.literalMinus = capabilities.contains("LITERAL-")
    }

    public func refreshCapabilities() async throws {
        let completion = try await run(.capability)
        for case .capability(let names) in completion.untagged { setCapabilities(names) }
        if case .capability(let names)? = completion.tagged.text.code { setCapabilities(names) }
    }

    // MARK: - Authentication

    /// Logs in with a password: AUTHENTICATE PLAIN when offered (with SASL-IR when possible), else
    /// LOGIN unless the server disabled it.
    public func login(user: String, password: Secret) async throws {
        if hasCapability("AUTH=PLAIN") {
            try await authenticate(.plain(user: user, password: password))
        } else if hasCapability("LOGINDISABLED") {
            throw IMAPError.loginDisabled
        } else {
            try await finishAuthentication(.login(user: user, password: password.value))
        }
    }

    /// AUTHENTICATE with a SASL mechanism (PLAIN, XOAUTH2, OAUTHBEARER).
    public func authenticate(_ sasl: SASL) async throws {
        guard hasCapability("AUTH=\(sasl.mechanism)") else { throw IMAPError.mechanismNotOffered(sasl.mechanism) }
        if hasCapability("SASL-IR") {
            try await finishAuthentication(.authenticate(mechanism: sasl.mechanism, initialResponse: sasl.initialResponse))
            return
        }
        let tag = try await send(.authenticate(mechanism: sasl.mechanism, initialResponse: nil))
        while true {
            let event = try await nextEvent()
            switch event {
            case .continuation:
                try await write(ByteBuffer(string: sasl.initialResponse + "\r\n"))
                try await finishAuthentication(tag: tag)
                return
            case .tagged(let tagged) where tagged.tag == tag:
                throw IMAPError.authenticationFailed(tagged.text.text)
            case .untagged(let untagged):
                absorb(untagged)
            default:
                continue
            }
        }
    }

    func finishAuthentication(_ command: Command) async throws {
        let tag = try await send(command)
        try await finishAuthentication(tag: tag)
    }

    func finishAuthentication(tag: Tag) async throws {
        while true {
            let event = try await nextEvent()
            switch event {
            case .continuation:
                // A SASL error challenge (XOAUTH2 sends JSON): answer empty to get the NO.
                try await write(ByteBuffer(string: "\r\n"))
            case .tagged(let tagged) where tagged.tag == tag:
                guard tagged.status == .ok else { throw IMAPError.authenticationFailed(tagged.text.text) }
                isAuthenticated = true
                if case .capability(let names)? = tagged.text.code {
                    setCapabilities(names)
                } else {
                    try await refreshCapabilities()
                }
                return
            case .untagged(let untagged):
                absorb(untagged)
            default:
                continue
            }
        }
    }

    /// Says goodbye without waiting for the answer: every command has completed by now, and the
    /// connection closes right after (a round trip saved on every run).
    public func logout() async throws {
        _ = try? await send(.logout)
    }

    // MARK: - Running commands

    /// Sends one command and waits for its completion; NO or BAD throw unless `allowFailure`.
    /// FETCH data that arrives meanwhile goes to `onFetch` (or is dropped when nil).
    @discardableResult
    public func run(
        _ command: Command, allowFailure: Bool = false,
        onFetch: (ResponseEvent) async throws -> Void = { _ in }
    ) async throws -> Completion {
        let results = try await pipeline([command], allowFailure: allowFailure, onFetch: onFetch)
        return results[0]
    }

    /// Sends `commands` keeping up to `window` of them in flight, and returns their completions in
    /// order. Commands that need a synchronizing literal are sent one at a time.
    public func pipeline(
        _ commands: [Command], window: Int = 16, allowFailure: Bool = false,
        onFetch: (ResponseEvent) async throws -> Void = { _ in }
    ) async throws -> [Completion] {
        var results = [Completion?](repeating: nil, count: commands.count)
        var inFlight: [(tag: Tag, index: Int, untagged: [UntaggedResponse])] = []
        var nextIndex = 0
        var firstFailure: IMAPError?
        while nextIndex < commands.count || !inFlight.isEmpty {
            while nextIndex < commands.count, inFlight.count < max(1, window) {
                let tag = try await send(commands[nextIndex])
                inFlight.append((tag, nextIndex, []))
                nextIndex += 1
            }
            let event = try await nextEvent()
            switch event {
            case .untagged(let untagged):
                absorb(untagged)
                inFlight[0].untagged.append(untagged)
            case .tagged(let tagged):
                guard let position = inFlight.firstIndex(where: { $0.tag == tagged.tag }) else {
                    throw IMAPError.protocolViolation("completion for unknown tag \(tagged.tag)")
                }
                let entry = inFlight.remove(at: position)
                if case .capability(let names)? = tagged.text.code { setCapabilities(names) }
                results[entry.index] = Completion(untagged: entry.untagged, tagged: tagged)
                if tagged.status != .ok, !allowFailure, firstFailure == nil {
                    firstFailure = .commandFailed(
                        command: commands[entry.index].name, status: tagged.status, text: tagged.text)
                }
            case .continuation(let text):
                throw IMAPError.protocolViolation("unexpected continuation \"\(text.prefix(80))\"")
            default:
                try await onFetch(event)
            }
        }
        if let firstFailure { throw firstFailure }
        return results.map { $0! }
    }

    func absorb(_ untagged: UntaggedResponse) {
        switch untagged {
        case .condition(.bye, let text): byeText = text.text
        case .capability(let names): setCapabilities(names)
        default: break
        }
    }

    /// Encodes and writes a command, waiting for `+` where a synchronizing literal needs it.
    func send(_ command: Command) async throws -> Tag {
        let tag = makeTag()
        if logger.logLevel <= .trace { logger.trace("C: \(tag) \(command.name)") }
        var pending: [ByteBuffer] = []
        for part in encoder.encode(command, tag: tag) {
            switch part {
            case .bytes(let bytes):
                pending.append(bytes)
            case .awaitContinuation:
                try await write(contentsOf: pending)
                pending = []
                try await awaitContinuation(for: tag)
            }
        }
        if !pending.isEmpty { try await write(contentsOf: pending) }
        return tag
    }

    func makeTag() -> Tag {
        defer { nextTag += 1 }
        return Tag("A\(nextTag)")
    }

    func awaitContinuation(for tag: Tag) async throws {
        while true {
            switch try await nextEvent() {
            case .continuation: return
            case .tagged(let tagged) where tagged.tag == tag:
                throw IMAPError.commandFailed(command: "literal", status: tagged.status, text: tagged.text)
            case .untagged(let untagged): absorb(untagged)
            case .tagged(let tagged):
                throw IMAPError.protocolViolation("completion for \(tagged.tag) while waiting for a continuation")
            default: continue
            }
        }
    }

    // MARK: - Bytes

    func nextEvent() async throws -> ResponseEvent {
        while true {
            do {
                if let event = try parser.next(&buffer) { return event }
            } catch {
                throw IMAPError.parse(error)
            }
            let timeout = readTimeoutOverride
            let chunk = try await wrap { () throws(TransportError) in try await connection.read(timeoutSeconds: timeout) }
            guard let chunk else {
                if let byeText { throw IMAPError.bye(byeText) }
                throw IMAPError.connectionClosed
            }
            if buffer.readableBytes == 0 {
                buffer = chunk
            } else {
                buffer.writeImmutableBuffer(chunk)
            }
        }
    }

    func write(_ bytes: ByteBuffer) async throws {
        try await wrap { () throws(TransportError) in try await connection.write(bytes) }
    }

    func write(contentsOf buffers: [ByteBuffer]) async throws {
        try await wrap { () throws(TransportError) in try await connection.write(contentsOf: buffers) }
    }

    func wrap<T>(_ body: () async throws(TransportError) -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            if case .connectionClosed = error, let byeText { throw IMAPError.bye(byeText) }
            throw IMAPError.transport(error)
        }
    }
}

extension Command {
    /// The command's name for messages and logs: never its arguments (they may hold secrets).
    var name: String {
        switch self {
        case .capability: "CAPABILITY"
        case .noop: "NOOP"
        case .logout: "LOGOUT"
        case .starttls: "STARTTLS"
        case .login: "LOGIN"
        case .authenticate: "AUTHENTICATE"
        case .id: "ID"
        case .enable: "ENABLE"
        case .namespace: "NAMESPACE"
        case .list: "LIST"
        case .status: "STATUS"
        case .examine: "EXAMINE"
        case .select: "SELECT"
        case .create: "CREATE"
        case .delete: "DELETE"
        case .subscribe: "SUBSCRIBE"
        case .uidSearch: "UID SEARCH"
        case .uidFetch: "UID FETCH"
        case .uidStore: "UID STORE"
        case .expunge: "EXPUNGE"
        case .close: "CLOSE"
        case .unselect: "UNSELECT"
        case .idle: "IDLE"
        case .append: "APPEND"
        }
    }
}
