import NIOCore

/// An incremental parser of server responses (RFC 9051 §7), fed bytes as they arrive.
///
/// Call `next(_:)` in a loop after appending received bytes to a buffer; it returns `nil` when it
/// needs more bytes, and then it has consumed nothing that it has not already reported.
public struct ResponseParser: Sendable {
    public struct Limits: Sendable {
        /// Longest line outside literals, with its small literals inlined.
        public var maximumLineLength: Int = 1 << 20
        /// Largest literal accepted outside a FETCH body section.
        public var maximumInlineLiteral: Int = 1 << 20
        /// Largest body chunk handed out at once.
        public var bodyChunk: Int = 64 * 1024
        public var maximumDepth: Int = 64
        public init() {}
    }

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    public let limits: Limits

    /// The next event, or nil when more bytes are needed. Throws on garbage; after a throw the
    /// connection is not usable.
    public mutating func next(_ buffer: inout ByteBuffer) throws(ParseError) -> ResponseEvent? {
        fatalError("unimplemented")
    }
}
