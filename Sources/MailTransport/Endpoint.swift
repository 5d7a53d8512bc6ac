/// How a connection is secured.
public enum TLSMode: String, Sendable, Hashable, CaseIterable, Codable {
    /// TLS from the first byte (IMAPS 993, POP3S 995).
    case implicit
    /// Plain connect, then STARTTLS / STLS, which must be offered: never a silent fallback.
    case starttls
    /// No encryption at all: allowed, with a warning.
    case none
}

/// Where and how to connect.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var tls: TLSMode
    /// A PEM file with extra trust anchors, added to the system store.
    public var caFile: String?
    public var connectTimeoutSeconds: Int64
    /// How long a read may wait for the server before the connection is dropped.
    public var readTimeoutSeconds: Int64

    public init(
        host: String, port: Int, tls: TLSMode, caFile: String? = nil, connectTimeoutSeconds: Int64 = 20,
        readTimeoutSeconds: Int64 = 120
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.caFile = caFile
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.readTimeoutSeconds = readTimeoutSeconds
    }

    public var description: String { "\(host):\(port) (\(tls.rawValue) TLS)" }
}
