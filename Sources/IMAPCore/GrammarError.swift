import NIOCore

/// Why a grammar rule produced no value. Internal: the parser turns it into "need more bytes" or a
/// `ParseError`.
enum GrammarError: Error, Hashable {
    /// The bytes ran out before the rule could decide: wait for more (never an error by itself).
    case incomplete
    /// This rule does not match here; an alternative may.
    case mismatch(rule: String)
    /// The bytes break the rule in a way no alternative can repair (a number too large).
    case invalid(rule: String)
    /// A hard limit was exceeded.
    case limit(ParseError)
}

/// Runs one alternative of a rule and puts the cursor back where it was when the alternative fails,
/// so that the caller can try the next one.
@inline(__always)
func composite<T>(
    _ buffer: inout ByteBuffer, _ body: (inout ByteBuffer) throws(GrammarError) -> T
) throws(GrammarError) -> T {
    let start = buffer.readerIndex
    do throws(GrammarError) {
        return try body(&buffer)
    } catch {
        buffer.moveReaderIndex(to: start)
        throw error
    }
}

/// An optional part of a rule: nil (and the cursor unmoved) when it does not match. Running out of
/// bytes is not a mismatch: it still means "wait for more".
@inline(__always)
func optional<T>(
    _ buffer: inout ByteBuffer, _ body: (inout ByteBuffer) throws(GrammarError) -> T
) throws(GrammarError) -> T? {
    let start = buffer.readerIndex
    do throws(GrammarError) {
        return try body(&buffer)
    } catch {
        guard case .mismatch = error else { throw error }
        buffer.moveReaderIndex(to: start)
        return nil
    }
}
