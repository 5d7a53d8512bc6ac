import Archives
import Foundation
import MailCore

/// What identifies an archived message on a destination server: its SHA-256 and size, and those of the
/// form a server that normalizes on APPEND stores (Dovecot turns a bare LF into CRLF and NUL into 0x80),
/// when that form differs.
struct MessageFingerprint: Sendable, Hashable {
    struct Form: Sendable, Hashable {
        var sha256: Data
        var size: Int64
    }

    var exact: Form
    /// nil when the message has no bare LF and no NUL: then every server stores it as it is.
    var normalized: Form?

    var forms: [Form] { [exact] + (normalized.map { [$0] } ?? []) }

    /// Reads the file once, hashing the exact form and, with `normalizing`, the normalized one.
    init(file: any ArchivedMessage, normalizing: Bool = true) throws {
        var exactHasher = SHA256Hasher()
        var normalizedHasher = SHA256Hasher()
        var normalizer = ServedFormNormalizer()
        var size: Int64 = 0
        try file.forEachChunk { chunk in
            exactHasher.update(chunk)
            size += Int64(chunk.count)
            if normalizing { normalizer.normalize(chunk) { normalizedHasher.update($0) } }
        }
        exact = Form(sha256: Data(exactHasher.finalize().bytes), size: size)
        let normalizedDigest = normalizedHasher.finalize()
        normalized =
            normalizer.changed ? Form(sha256: Data(normalizedDigest.bytes), size: normalizer.outputSize) : nil
    }

    init(exact: Form, normalized: Form? = nil) {
        self.exact = exact
        self.normalized = normalized
    }
}

/// Rewrites bytes the way Dovecot stores an APPENDed message: CR before a bare LF, 0x80 for NUL.
struct ServedFormNormalizer {
    private var previous: UInt8 = 0
    private(set) var changed = false
    private(set) var outputSize: Int64 = 0

    mutating func normalize(_ bytes: UnsafeRawBufferPointer, _ emit: (UnsafeRawBufferPointer) -> Void) {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 64)
        for byte in bytes {
            if byte == 0x0A && previous != 0x0D {
                output.append(0x0D)
                changed = true
            }
            if byte == 0 { changed = true }
            output.append(byte == 0 ? 0x80 : byte)
            previous = byte
        }
        outputSize += Int64(output.count)
        output.withUnsafeBytes { emit($0) }
    }
}
