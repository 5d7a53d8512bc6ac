import NIOCore
import NIOPosix
import NIOSSL

extension TransportError {
    /// Maps NIO, socket and TLS errors to what a user can act on.
    static func classify(_ error: any Error, endpoint: Endpoint) -> TransportError {
        if let error = error as? TransportError { return error }
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.isEmpty {
                return .unknownHost(endpoint.host)
            }
            let refused = error.connectionErrors.contains { attempt in
                (attempt.error as? IOError)?.errnoCode == ECONNREFUSED
            }
            if refused { return .connectionRefused(host: endpoint.host, port: endpoint.port) }
            if let first = error.connectionErrors.first {
                return classify(first.error, endpoint: endpoint)
            }
        }
        if let error = error as? SocketAddressError {
            if case .unknown = error { return .unknownHost(endpoint.host) }
            return .network("\(error)")
        }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout:
                return .connectTimeout(host: endpoint.host, port: endpoint.port, seconds: endpoint.connectTimeoutSeconds)
            case .ioOnClosedChannel, .alreadyClosed, .eof, .outputClosed, .inputClosed:
                return .connectionClosed
            default:
                return .network("\(error)")
            }
        }
        if let error = error as? IOError {
            if error.errnoCode == ECONNREFUSED { return .connectionRefused(host: endpoint.host, port: endpoint.port) }
            if error.errnoCode == ECONNRESET || error.errnoCode == EPIPE { return .connectionClosed }
            return .network("\(error)")
        }
        if let error = error as? NIOSSLExtraError {
            if error == .failedToValidateHostname {
                return .certificateUntrusted(host: endpoint.host, reason: "it is not issued for this host name")
            }
            return .tlsFailed(reason: "\(error)")
        }
        if let error = error as? NIOSSLError {
            let text = "\(error)"
            if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate verify failed") {
                return .certificateUntrusted(host: endpoint.host, reason: "it is not signed by a trusted authority")
            }
            if case .uncleanShutdown = error { return .connectionClosed }
            return .tlsFailed(reason: text)
        }
        if let error = error as? BoringSSLError {
            return .tlsFailed(reason: "\(error)")
        }
        return .network("\(error)")
    }
}
