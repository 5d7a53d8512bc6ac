import Foundation
import Logging
import NIOCore

/// Why an HTTP exchange gave no usable answer.
public enum HTTPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not an `https://` URL (or an `http://` one on this machine's loopback).
    case unusableURL(String)
    case malformedResponse(String)
    case responseTooLarge(limit: Int)

    public var description: String {
        switch self {
        case .unusableURL(let url):
            "\(url) is not an https:// URL (plain http:// is accepted for 127.0.0.1, ::1 and localhost only)"
        case .malformedResponse(let reason): "the HTTP server's answer is malformed (\(reason))"
        case .responseTooLarge(let limit): "the HTTP server's answer is larger than \(limit) bytes"
        }
    }
}

/// Just enough HTTP/1.1 for OAuth2 endpoints (RFC 6749, RFC 8628): one form POST per connection, over
/// TLS verified against the system's trust store, the answer read by `Content-Length`, chunks, or to
/// the end. Nothing of the request or the answer is logged: both carry secrets.
public enum HTTPClient {
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
    }

    /// Answers of OAuth2 endpoints are small JSON objects.
    public static let responseLimit = 1 << 20

    /// Where a URL points: host, port, TLS, and the request target.
    public static func target(_ url: String) throws(HTTPError) -> (endpoint: Endpoint, path: String, host: String) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else { throw HTTPError.unusableURL(url) }
        let loopback = ["127.0.0.1", "::1", "localhost"].contains(host.lowercased())
        guard scheme == "https" || (scheme == "http" && loopback) else { throw HTTPError.unusableURL(url) }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        var path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { path += "?" + query }
        let hostHeader = (host.contains(":") ? "[\(host)]" : host) + (components.port.map { ":\($0)" } ?? "")
        return (Endpoint(host: host, port: port, tls: scheme == "https" ? .implicit : .none), path, hostHeader)
    }

    /// POSTs `fields` as `application/x-www-form-urlencoded` and returns the answer, whatever its status.
    public static func postForm(_ url: String, fields: [(String, String)], logger: Logger) async throws -> Response {
        let (endpoint, path, host) = try target(url)
        let body = fields.map { "\(formEncode($0.0))=\(formEncode($0.1))" }.joined(separator: "&")
        let head =
            "POST \(path) HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: mailferry\r\nAccept: application/json\r\n"
            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n"
            + "Connection: close\r\n\r\n"
        // Loopback http is a test's or a local helper's: the mail-minded warning about clear text is noise.
        var quiet = logger
        if endpoint.tls == .none { quiet.logLevel = .error }
        return try await Transport.withConnection(to: endpoint, logger: quiet) { connection in
            try await connection.write(ByteBuffer(string: head + body))
            var received: [UInt8] = []
            while true {
                if let response = try ResponseReader.parse(received, atEnd: false) { return response }
                guard let bytes = try await connection.read() else {
                    guard let response = try ResponseReader.parse(received, atEnd: true) else {
                        throw HTTPError.malformedResponse("the connection closed before the answer was complete")
                    }
                    return response
                }
                received += bytes.readableBytesView
                if received.count > responseLimit { throw HTTPError.responseTooLarge(limit: responseLimit) }
            }
        }
    }

    /// RFC 3986 unreserved characters stay, everything else is percent-encoded.
    static func formEncode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                result.unicodeScalars.append(UnicodeScalar(byte))
            default:
                result += String(format: "%%%02X", byte)
            }
        }
        return result
    }
}

/// Cuts an HTTP/1.1 response out of the bytes received so far.
enum ResponseReader {
    /// The response, or nil when more bytes are needed (`atEnd`: the server closed the connection).
    static func parse(_ bytes: [UInt8], atEnd: Bool) throws(HTTPError) -> HTTPClient.Response? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let headEnd = firstRange(of: separator, in: bytes[...]) else {
            if atEnd { throw HTTPError.malformedResponse("no complete header") }
            return nil
        }
        let head = String(decoding: bytes[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let statusWords = head[0].split(separator: " ")
        guard statusWords.count >= 2, statusWords[0].hasPrefix("HTTP/1."), let status = Int(statusWords[1]) else {
            throw HTTPError.malformedResponse("no status line")
        }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        // 1xx answers precede the real one.
        if (100..<200).contains(status) {
            return try parse(Array(bytes[(headEnd + 4)...]), atEnd: atEnd)
        }
        let body = bytes[(headEnd + 4)...]
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            guard let decoded = try dechunk(body) else {
                if atEnd { throw HTTPError.malformedResponse("the chunked body ends early") }
                return nil
            }
            return HTTPClient.Response(status: status, body: decoded)
        }
        if let lengthText = headers["content-length"] {
            guard let length = Int(lengthText), length >= 0 else {
                throw HTTPError.malformedResponse("a bad Content-Length")
            }
            guard body.count >= length else {
                if atEnd { throw HTTPError.malformedResponse("the body is shorter than its Content-Length") }
                return nil
            }
            return HTTPClient.Response(status: status, body: Array(body.prefix(length)))
        }
        return atEnd ? HTTPClient.Response(status: status, body: Array(body)) : nil
    }

    /// RFC 9112 section 7.1; nil when the last chunk has not arrived yet.
    static func dechunk(_ bytes: ArraySlice<UInt8>) throws(HTTPError) -> [UInt8]? {
        var rest = bytes
        var body: [UInt8] = []
        let lineEnd: [UInt8] = [0x0D, 0x0A]
        while true {
            guard let end = firstRange(of: lineEnd, in: rest) else { return nil }
            let sizeText =
                String(decoding: rest[rest.startIndex..<end], as: UTF8.self)
                .split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard let size = Int(sizeText, radix: 16), size >= 0 else {
                throw HTTPError.malformedResponse("a bad chunk size")
            }
            rest = rest[(end + 2)...]
            if size == 0 { return body }
            guard rest.count >= size + 2 else { return nil }
            body += rest.prefix(size)
            rest = rest.dropFirst(size + 2)
        }
    }

    static func firstRange(of needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var index = haystack.startIndex
        while index + needle.count <= haystack.endIndex {
            if haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
