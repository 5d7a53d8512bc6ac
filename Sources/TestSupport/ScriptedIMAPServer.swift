import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A fake IMAP server on 127.0.0.1 that plays a fixed script on every connection, for misbehaviour a real
/// server will not produce: malformed responses, a literal that never ends, BYE mid-command, a connection
/// dropped mid-literal, a server that stops answering.
///
/// Plain TCP only; one thread per connection. Lines received from clients are kept in `transcripts`.
/// Nothing in it is IMAP but `sendTagged`: POP3 tests play their scripts on it too.
public final class ScriptedIMAPServer: Sendable {
    /// One action of a connection's script.
    public enum Step: Sendable {
        /// Send UTF-8 text as is (include the `\r\n` yourself).
        case send(String)
        /// Send raw bytes, for 8-bit or invalid input.
        case sendBytes([UInt8])
        /// Read one line from the client (up to LF) and remember its first word as the tag.
        case readLine
        /// Read exactly this many bytes (a literal's payload).
        case readBytes(Int)
        /// Send `<tag> <text>\r\n` with the tag of the last line read (`*` before any).
        case sendTagged(String)
        /// Wait before the next step.
        case sleep(TimeInterval)
        /// Close the connection (FIN) without a word.
        case close
        /// Abort the connection with a TCP reset.
        case reset
        /// Keep the connection open and silent until the server is stopped.
        case hang
        /// Answer every line the client sends with what `respond` returns, until it returns nil
        /// (then close): a small server with state (see `FakePOP3Server`) instead of a fixed script.
        case respond(@Sendable (String) -> [UInt8]?)
    }

    public let host = "127.0.0.1"
    public let port: Int

    private let listener: Int32
    private let script: @Sendable (Int) -> [Step]
    private let state = LockedBox(State())
    private let stoppedSignal = DispatchSemaphore(value: 0)

    private struct State {
        var stopped = false
        var connections: [Int32] = []
        var transcripts: [[String]] = []
    }

    /// Starts listening; every connection plays `script`.
    public convenience init(script: [Step]) throws {
        try self.init(scripts: { _ in script })
    }

    /// Starts listening; connection number `n` (from 0) plays `scripts(n)`.
    public init(scripts: @escaping @Sendable (Int) -> [Step]) throws {
        self.script = scripts
        (listener, port) = try LoopbackPorts.listening()
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "ScriptedIMAPServer:\(port)"
        thread.start()
    }

    deinit {
        stop()
    }

    /// Lines each connection sent, in connection order, without their line ends.
    public var transcripts: [[String]] {
        state.withLock { $0.transcripts }
    }

    /// How many connections have been accepted.
    public var connectionCount: Int {
        state.withLock { $0.transcripts.count }
    }

    /// Stops listening and closes every connection, ending `hang` steps. Safe to call more than once.
    public func stop() {
        let connections = state.withLock { state -> [Int32]? in
            guard !state.stopped else { return nil }
            state.stopped = true
            return state.connections
        }
        guard connections != nil else { return }
        // shutdown() wakes threads blocked in accept() and recv(); their owners close the descriptors. It runs
        // under the lock that owners hold while they close, so it never reaches a number the process has
        // already reused for another socket.
        shutdown(listener, Int32(SHUT_RDWR))
        state.withLock { state in
            for fd in state.connections { shutdown(fd, Int32(SHUT_RDWR)) }
        }
        for _ in 0..<1000 { stoppedSignal.signal() }
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    private func acceptLoop() {
        defer { close(listener) }
        while !isStopped {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else {
                if errno == EINTR { continue }
                return
            }
            var noDelay: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
            let index = state.withLock { state -> Int? in
                guard !state.stopped else { return nil }
                state.connections.append(fd)
                state.transcripts.append([])
                return state.transcripts.count - 1
            }
            guard let index else {
                close(fd)
                return
            }
            let thread = Thread { [self] in play(script(index), on: fd, index: index) }
            thread.start()
        }
    }

    private func play(_ steps: [Step], on fd: Int32, index: Int) {
        var connection = Connection(fd: fd)
        var tag = "*"
        var open = true
        defer {
            state.withLock { state in
                state.connections.removeAll { $0 == fd }
                if open { close(fd) }
            }
        }
        for step in steps {
            switch step {
            case .send(let text):
                guard connection.send(Array(text.utf8)) else { return }
            case .sendBytes(let bytes):
                guard connection.send(bytes) else { return }
            case .sendTagged(let text):
                guard connection.send(Array("\(tag) \(text)\r\n".utf8)) else { return }
            case .readLine:
                guard let line = connection.readLine() else { return }
                state.withLock { $0.transcripts[index].append(line) }
                tag = line.split(separator: " ", maxSplits: 1).first.map(String.init) ?? "*"
            case .readBytes(let count):
                guard connection.read(count) != nil else { return }
            case .sleep(let seconds):
                usleep(useconds_t(max(0, seconds) * 1_000_000))
            case .close:
                return
            case .reset:
                var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
                state.withLock { state in
                    state.connections.removeAll { $0 == fd }
                    close(fd)
                }
                open = false
                return
            case .hang:
                while !isStopped { _ = stoppedSignal.wait(timeout: .now() + 0.2) }
                return
            case .respond(let respond):
                while let line = connection.readLine() {
                    state.withLock { $0.transcripts[index].append(line) }
                    guard let answer = respond(line), connection.send(answer) else { return }
                }
                return
            }
        }
    }
}

/// A failure to open the scripted server's socket.
public enum ScriptedServerError: Error, Sendable {
    case socket(Int32)
}

/// Blocking reads and writes on one accepted socket, with a small read buffer (the scripted IMAP and
/// HTTP servers).
struct Connection {
    let fd: Int32
    var buffer: [UInt8] = []

    init(fd: Int32) {
        self.fd = fd
    }

    func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let sent = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if sent < 0 && errno == EINTR { continue }
                guard sent > 0 else { return false }
                offset += sent
            }
            return true
        }
    }

    private mutating func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            buffer += chunk[0..<count]
            return true
        }
    }

    mutating func readLine() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                var line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                if line.last == 0x0D { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard fill() else { return nil }
        }
    }

    mutating func read(_ count: Int) -> [UInt8]? {
        while buffer.count < count {
            guard fill() else { return nil }
        }
        defer { buffer.removeSubrange(..<count) }
        return Array(buffer[..<count])
    }
}
