import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A fake HTTP/1.1 server on 127.0.0.1 whose answers come from a closure: an OAuth2 device
/// authorization and token endpoint for tests, since no real authorization server can be installed
/// here. One request per connection (`Connection: close`); requests are kept in `requests`.
public final class ScriptedHTTPServer: Sendable {
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var headers: [String: String]
        public var body: String

        /// The body's `application/x-www-form-urlencoded` fields.
        public var form: [String: String] {
            var fields: [String: String] = [:]
            for pair in body.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map {
                    String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
                }
                fields[parts[0]] = parts.count > 1 ? parts[1] : ""
            }
            return fields
        }
    }

    public struct Reply: Sendable {
        public var status: Int
        public var body: String
        /// Send the body in chunks (`Transfer-Encoding: chunked`) instead of with a `Content-Length`.
        public var chunked: Bool

        public init(status: Int = 200, json body: String, chunked: Bool = false) {
            self.status = status
            self.body = body
            self.chunked = chunked
        }
    }

    public let port: Int
    /// `http://127.0.0.1:PORT`.
    public var url: String { "http://127.0.0.1:\(port)" }

    private let listener: Int32
    private let handler: @Sendable (Request) -> Reply
    private let state = LockedBox((stopped: false, requests: [Request]()))

    public init(handler: @escaping @Sendable (Request) -> Reply) throws {
        self.handler = handler
        (listener, port) = try LoopbackPorts.listening()
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "ScriptedHTTPServer:\(port)"
        thread.start()
    }

    deinit {
        stop()
    }

    /// Every request received, in order.
    public var requests: [Request] { state.withLock { $0.requests } }

    public func stop() {
        let first = state.withLock { state -> Bool in
            defer { state.stopped = true }
            return !state.stopped
        }
        if first { shutdown(listener, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop() {
        defer { close(listener) }
        while !state.withLock({ $0.stopped }) {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else {
                if errno == EINTR { continue }
                return
            }
            let thread = Thread { [self] in serve(fd) }
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var connection = Connection(fd: fd)
        guard let requestLine = connection.readLine() else { return }
        let words = requestLine.split(separator: " ")
        guard words.count >= 2 else { return }
        var headers: [String: String] = [:]
        while let line = connection.readLine(), !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        guard let body = length > 0 ? connection.read(length) : [] else { return }
        let request = Request(
            method: String(words[0]), path: String(words[1]), headers: headers,
            body: String(decoding: body, as: UTF8.self))
        state.withLock { $0.requests.append(request) }
        let reply = handler(request)
        let payload = Array(reply.body.utf8)
        var head = "HTTP/1.1 \(reply.status) \(reply.status == 200 ? "OK" : "Bad Request")\r\n"
        head += "Content-Type: application/json\r\nCache-Control: no-store\r\nConnection: close\r\n"
        if reply.chunked {
            head += "Transfer-Encoding: chunked\r\n\r\n"
            var bytes = Array(head.utf8)
            // Two chunks, the first with an extension, as servers may send.
            let half = payload.count / 2
            for part in [payload[..<half], payload[half...]] where !part.isEmpty {
                bytes += Array("\(String(part.count, radix: 16));x=y\r\n".utf8) + part + Array("\r\n".utf8)
            }
            bytes += Array("0\r\n\r\n".utf8)
            _ = connection.send(bytes)
        } else {
            head += "Content-Length: \(payload.count)\r\n\r\n"
            _ = connection.send(Array(head.utf8) + payload)
        }
    }
}
