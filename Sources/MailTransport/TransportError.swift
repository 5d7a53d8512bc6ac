/// Why a connection could not be made or kept.
public enum TransportError: Error, Sendable, Hashable {
    case unknownHost(String)
    case connectionRefused(host: String, port: Int)
    case connectTimeout(host: String, port: Int, seconds: Int64)
    case readTimeout(seconds: Int64)
    /// The server's certificate did not verify against the trust roots (or did not name the host).
    case certificateUntrusted(host: String, reason: String)
    case tlsFailed(reason: String)
    /// The `ca_file` could not be read as PEM certificates.
    case badTrustFile(path: String, reason: String)
    case connectionClosed
    case network(String)
}

extension TransportError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .unknownHost(let host): "unknown host \(host)"
        case .connectionRefused(let host, let port): "connection refused by \(host):\(port)"
        case .connectTimeout(let host, let port, let s): "no answer from \(host):\(port) within \(s) s"
        case .readTimeout(let s): "the server sent nothing for \(s) s"
        case .certificateUntrusted(let host, let reason): "the certificate of \(host) is not trusted (\(reason))"
        case .tlsFailed(let reason): "TLS failed: \(reason)"
        case .badTrustFile(let path, let reason): "cannot use ca_file \(path): \(reason)"
        case .connectionClosed: "the server closed the connection"
        case .network(let message): message
        }
    }
}
