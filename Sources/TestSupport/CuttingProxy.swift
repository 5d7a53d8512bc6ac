import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP relay on 127.0.0.1 to a local port that cuts the connection, both ways, when the client
/// sends a line starting with `cutAt` (that line is not forwarded): a connection lost at the worst
/// moment, such as just before POP3's QUIT. Plain TCP only, so it sees the client's lines.
///
/// With `holdFrom`, the lines from one starting with it up to the cut are held back and reach the server
/// only `lateBy` seconds after the client saw the cut: a server still saving commands of a session its
/// client has given up on, while the client connects again.
public final class CuttingProxy: Sendable {
    public let host = "127.0.0.1"
    public let port: Int
    private let listener: Int32
    private let times: Int
    private let hold: (prefix: [UInt8], lateBy: Double)?
    private let state = LockedBox((stopped: false, cuts: 0, sockets: [Int32](), armed: true, late: 0))

    /// After `times` cuts the proxy only relays: a retry gets through.
    public init(
        targetPort: Int, cutAt: String, times: Int = .max, holdFrom: String? = nil, lateBy: Double = 0
    ) throws {
        (listener, port) = try LoopbackPorts.listening()
        let prefix = Array(cutAt.uppercased().utf8)
        self.times = times
        hold = holdFrom.map { (Array($0.uppercased().utf8), lateBy) }
        let thread = Thread { [self] in acceptLoop(targetPort: targetPort, prefix: prefix) }
        thread.start()
    }

    deinit { stop() }

    /// How many connections were cut.
    public var cuts: Int { state.withLock { $0.cuts } }

    /// How many held-back runs of lines reached the server (late).
    public var lateDeliveries: Int { state.withLock { $0.late } }

    /// From now on, relays everything: a re-run reaches the server through the same address.
    public func disarm() { state.withLock { $0.armed = false } }

    public func stop() {
        let sockets = state.withLock { state -> [Int32]? in
            guard !state.stopped else { return nil }
            state.stopped = true
            return state.sockets
        }
        guard let sockets else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        for fd in sockets { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop(targetPort: Int, prefix: [UInt8]) {
        defer { close(listener) }
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                if errno == EINTR { continue }
                return
            }
            guard let server = LoopbackPorts.connected(targetPort) else {
                close(client)
                continue
            }
            let open = state.withLock { state -> Bool in
                state.sockets += [client, server]
                return !state.stopped
            }
            guard open else { return }
            // Both directions use both sockets: the one that ends last closes them.
            let running = LockedBox(2)
            let done: @Sendable () -> Void = { [self] in
                guard running.withLock({ count in
                    count -= 1
                    return count == 0
                }) else { return }
                state.withLock { state in
                    state.sockets.removeAll { $0 == client || $0 == server }
                    close(client)
                    close(server)
                }
            }
            Thread {
                Self.pump(from: server, to: client)
                done()
            }.start()
            Thread { [self] in
                relayLines(from: client, to: server, prefix: prefix)
                done()
            }.start()
        }
    }

    private func relayLines(from client: Int32, to server: Int32, prefix: [UInt8]) {
        var pending: [UInt8] = []
        var held: [UInt8]?
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress!, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            pending += chunk[0..<count]
            while let lf = pending.firstIndex(of: 0x0A) {
                let line = Array(pending[...lf])
                pending.removeSubrange(...lf)
                let armed = state.withLock { $0.armed && $0.cuts < times }
                if Self.starts(line, with: prefix), armed {
                    state.withLock { $0.cuts += 1 }
                    shutdown(client, Int32(SHUT_RDWR))
                    if let held, let hold {
                        usleep(UInt32(hold.lateBy * 1_000_000))
                        _ = Self.send(held, to: server)
                        state.withLock { $0.late += 1 }
                    }
                    shutdown(server, Int32(SHUT_RDWR))
                    return
                }
                if held == nil, let hold, armed, Self.starts(line, with: hold.prefix) { held = [] }
                if held != nil {
                    held! += line
                    continue
                }
                guard Self.send(line, to: server) else { return }
            }
        }
        shutdown(server, Int32(SHUT_RDWR))
    }

    private static func pump(from source: Int32, to target: Int32) {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(source, $0.baseAddress!, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0, send(Array(chunk[0..<count]), to: target) else { break }
        }
        shutdown(target, Int32(SHUT_RDWR))
    }

    private static func send(_ bytes: [UInt8], to fd: Int32) -> Bool {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let sent = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if sent < 0, errno == EINTR { continue }
                guard sent > 0 else { return false }
                offset += sent
            }
            return true
        }
    }

    private static func starts(_ line: [UInt8], with prefix: [UInt8]) -> Bool {
        line.count >= prefix.count && line.prefix(prefix.count).map(uppercased) == prefix
    }

    private static func uppercased(_ byte: UInt8) -> UInt8 { (0x61...0x7A).contains(byte) ? byte - 0x20 : byte }
}
