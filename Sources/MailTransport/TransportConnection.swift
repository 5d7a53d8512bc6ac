import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// A byte stream to a mail server, owned by the one task inside `withConnection`.
///
/// Reads are pulled (`read()`), so the socket is read only as fast as the caller consumes: a slow
/// disk slows the server instead of filling memory.
public final class TransportConnection {
    public let endpoint: Endpoint
    public private(set) var isEncrypted: Bool
    let channel: Channel
    var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    let tlsContext: NIOSSLContext?
    let activity: ReadActivity

    init(
        endpoint: Endpoint, channel: Channel, isEncrypted: Bool, tlsContext: NIOSSLContext?, activity: ReadActivity,
        inbound: NIOAsyncChannelInboundStream<ByteBuffer>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) {
        self.activity = activity
        self.endpoint = endpoint
        self.channel = channel
        self.isEncrypted = isEncrypted
        self.tlsContext = tlsContext
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
    }

    /// The next bytes from the server, or nil once it has closed the connection.
    ///
    /// The read timeout counts only while we wait here for the server: a consumer that is slow
    /// (a stalled disk, a busy machine) never makes the connection time out.
    public func read(timeoutSeconds: Int64? = nil) async throws(TransportError) -> ByteBuffer? {
        let seconds = timeoutSeconds ?? endpoint.readTimeoutSeconds
        let channel = self.channel
        let activity = self.activity
        let armed = activity.reads
        let timer = channel.eventLoop.scheduleTask(in: .seconds(seconds)) {
            // Bytes that arrived while this task waited for a thread are not silence.
            guard activity.reads == armed else { return }
            activity.timedOut = true
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            let bytes = try await inbound.next()
            if bytes == nil, activity.timedOut { throw TransportError.readTimeout(seconds: seconds) }
            return bytes
        } catch {
            if activity.timedOut { throw TransportError.readTimeout(seconds: seconds) }
            throw TransportError.classify(error, endpoint: endpoint)
        }
    }

    public func write(_ buffer: ByteBuffer) async throws(TransportError) {
        do {
            try await outbound.write(buffer)
            try await pace(buffer.readableBytes)
        } catch {
            throw TransportError.classify(error, endpoint: endpoint)
        }
    }

    public func write(contentsOf buffers: [ByteBuffer]) async throws(TransportError) {
        do {
            try await outbound.write(contentsOf: buffers)
            try await pace(buffers.reduce(0) { $0 + $1.readableBytes })
        } catch {
            throw TransportError.classify(error, endpoint: endpoint)
        }
    }

    /// Bytes handed to the writer since the event loop last caught up.
    var unpacedBytes = 0
    /// Written from a task, the writer hands each buffer to the event loop and returns at once: it learns
    /// that the socket is full only when the loop gets there. A fast reader (an archive file streamed into
    /// an APPEND) ran tens of megabytes ahead, queued as plaintext and as TLS records. Every
    /// `pacingBytes`, the writer waits for the loop to have taken what it was given; if the socket was
    /// full by then, the next write waits for it to drain.
    static let pacingBytes = 256 << 10

    func pace(_ count: Int) async throws {
        unpacedBytes += count
        guard unpacedBytes >= Self.pacingBytes else { return }
        unpacedBytes = 0
        try await channel.eventLoop.submit {}.get()
    }

    /// Starts TLS on the open connection (after STARTTLS / STLS was accepted). The caller must
    /// drop anything it buffered from before: such bytes were not protected.
    public func startTLS() async throws(TransportError) {
        guard let tlsContext, !isEncrypted else { return }
        do {
            let sni = Transport.sniName(endpoint.host)
            let channel = self.channel
            try await channel.eventLoop.submit {
                let handler = try NIOSSLClientHandler(context: tlsContext, serverHostname: sni)
                try channel.pipeline.syncOperations.addHandler(handler, position: .first)
            }.get()
            isEncrypted = true
        } catch {
            throw TransportError.classify(error, endpoint: endpoint)
        }
    }
}

/// Opens connections.
public enum Transport {
    /// Connects, runs `body` with the connection and closes it when `body` returns or throws.
    public static func withConnection<Result: Sendable>(
        to endpoint: Endpoint,
        logger: Logger,
        _ body: (TransportConnection) async throws -> Result
    ) async throws -> Result {
        let tlsContext: NIOSSLContext? = endpoint.tls == .none ? nil : try makeContext(endpoint)
        if endpoint.tls == .none {
            logger.warning("connecting to \(endpoint.host):\(endpoint.port) without TLS: password and mail travel in clear")
        }
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(endpoint.connectTimeoutSeconds))
            .channelOption(.socketOption(.so_keepalive), value: 1)
            // One socket read (at most 64 KiB) per inbound element. With several, NIOSSL gathers
            // their plaintext into one buffer whose capacity only grows (hundreds of KiB), and each of
            // the 16 elements the inbound queue may hold pins that much: peak memory rose by
            // megabytes on long runs, whenever a slow commit let the queue fill.
            .channelOption(.maxMessagesPerRead, value: 1)
        let implicitTLS = endpoint.tls == .implicit
        let sni = sniName(endpoint.host)
        let asyncChannel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        let activity = ReadActivity()
        do {
            asyncChannel = try await bootstrap.connect(host: endpoint.host, port: endpoint.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if implicitTLS, let tlsContext {
                        try sync.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: sni))
                    }
                    try sync.addHandler(ReadActivityHandler(activity: activity))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: channel,
                        configuration: .init(backPressureStrategy: .init(lowWatermark: 4, highWatermark: 16))
                    )
                }
            }
        } catch {
            throw TransportError.classify(error, endpoint: endpoint)
        }
        return try await asyncChannel.executeThenClose { inbound, outbound in
            let connection = TransportConnection(
                endpoint: endpoint, channel: asyncChannel.channel, isEncrypted: implicitTLS,
                tlsContext: tlsContext, activity: activity, inbound: inbound, outbound: outbound)
            return try await body(connection)
        }
    }

    static func makeContext(_ endpoint: Endpoint) throws(TransportError) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        configuration.minimumTLSVersion = .tlsv12
        if let directory = systemTrustDirectory {
            configuration.trustRoots = .file(directory)
        }
        if let caFile = endpoint.caFile {
            do {
                let certificates = try NIOSSLCertificate.fromPEMFile(caFile)
                guard !certificates.isEmpty else {
                    throw TransportError.badTrustFile(path: caFile, reason: "no certificate in it")
                }
                configuration.additionalTrustRoots = [.certificates(certificates)]
            } catch let error as TransportError {
                throw error
            } catch {
                throw TransportError.badTrustFile(path: caFile, reason: "\(error)")
            }
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw TransportError.tlsFailed(reason: "\(error)")
        }
    }

    /// The system's trust store as a hashed directory (OpenSSL's `<subject hash>.0` names), when the
    /// system has one: certificates are then read only when a chain needs them, instead of parsing
    /// the whole bundle (about 140 certificates, ~9 ms of CPU) for every connection. Elsewhere NIOSSL's
    /// platform default is used. Either way the trusted set is the system's.
    static let systemTrustDirectory: String? = {
        let directory = "/etc/ssl/certs"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return nil }
        return entries.contains { $0.hasSuffix(".0") } ? directory : nil
    }()

    /// SNI carries host names only; for an IP literal NIOSSL checks the certificate against the
    /// peer address instead.
    static func sniName(_ host: String) -> String? {
        if (try? SocketAddress(ipAddress: host, port: 0)) != nil { return nil }
        return host
    }
}

/// What the read timeout looks at: reads counted on the event loop as bytes arrive.
final class ReadActivity: @unchecked Sendable {
    // Written on the channel's event loop, read by the owning task: behind a lock.
    private let box = NIOLockedValueBox((reads: UInt64(0), timedOut: false))
    var reads: UInt64 { box.withLockedValue { $0.reads } }
    var timedOut: Bool {
        get { box.withLockedValue { $0.timedOut } }
        set { box.withLockedValue { $0.timedOut = newValue } }
    }
    func noteRead() { box.withLockedValue { $0.reads &+= 1 } }
}

/// Counts arriving bytes for the read timeout.
final class ReadActivityHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    let activity: ReadActivity
    init(activity: ReadActivity) { self.activity = activity }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        activity.noteRead()
        context.fireChannelRead(data)
    }
}

/// Bytes written once: by a timer, or earlier on demand, whichever comes first (IDLE's `DONE`).
public final class ScheduledWrite: Sendable {
    let written: NIOLockedValueBox<Bool>
    let channel: Channel
    let bytes: ByteBuffer
    let timer: NIOLockedValueBox<Scheduled<Void>?>

    init(channel: Channel, bytes: ByteBuffer) {
        self.channel = channel
        self.bytes = bytes
        self.written = NIOLockedValueBox(false)
        self.timer = NIOLockedValueBox(nil)
    }

    func writeIfFirst() -> EventLoopFuture<Void>? {
        let first = written.withLockedValue { done in
            defer { done = true }
            return !done
        }
        guard first else { return nil }
        return channel.writeAndFlush(bytes)
    }

    /// Writes now unless the timer already did, and stops the timer, without waiting for the write.
    public func fire() {
        timer.withLockedValue { $0?.cancel() }
        _ = writeIfFirst()
    }

    /// Writes now unless the timer already did, and stops the timer.
    public func fireNow() async throws {
        timer.withLockedValue { $0?.cancel() }
        try await writeIfFirst()?.get()
    }
}

extension TransportConnection {
    /// Writes `bytes` after `seconds` unless `fireNow()` was called first.
    public func scheduleWrite(_ bytes: ByteBuffer, afterSeconds seconds: Int64) -> ScheduledWrite {
        let scheduled = ScheduledWrite(channel: channel, bytes: bytes)
        let task = channel.eventLoop.scheduleTask(in: .seconds(seconds)) {
            _ = scheduled.writeIfFirst()
        }
        scheduled.timer.withLockedValue { $0 = task }
        return scheduled
    }
}
