/// One text/plain or text/html part on its way into the search text: transfer decoding, then charset to UTF-8,
/// then (for HTML) tag stripping, all streamed through scratch buffers of bounded size.
struct TextPartDecoder {
    /// Input is handled in slices of this many bytes, which bounds the scratch buffers whatever the caller feeds.
    static let slice = 16 * 1024

    private var transfer: TransferDecoder
    private var charset: CharsetDecoder
    private var html: HTMLTextExtractor?
    private var decoded: [UInt8] = []
    private var utf8: [UInt8] = []

    init(transfer: TransferEncoding, charset: CharsetDecoder, isHTML: Bool) {
        self.transfer = TransferDecoder(transfer)
        self.charset = charset
        self.html = isHTML ? HTMLTextExtractor() : nil
    }

    var retainedBytes: Int { decoded.capacity + utf8.capacity }

    mutating func feed(_ input: UnsafeRawBufferPointer, into output: inout TextCollector) {
        var start = 0
        while start < input.count && !output.isFull {
            let end = min(start + Self.slice, input.count)
            let slice = UnsafeRawBufferPointer(rebasing: input[start..<end])
            if transfer.kind == .identity {
                convert(slice, into: &output)
            } else {
                transfer.decode(slice, into: &decoded)
                convertDecoded(into: &output)
            }
            start = end
        }
    }

    mutating func finish(into output: inout TextCollector) {
        transfer.finish(into: &decoded)
        convertDecoded(into: &output)
        charset.finish(into: &utf8)
        Self.deliver(utf8, html: &html, into: &output)
        utf8.removeAll(keepingCapacity: true)
        html?.finish(into: &output)
    }

    private mutating func convertDecoded(into output: inout TextCollector) {
        var held: [UInt8] = []
        swap(&held, &decoded)
        held.withUnsafeBytes { convert($0, into: &output) }
        held.removeAll(keepingCapacity: true)
        swap(&held, &decoded)
    }

    /// What the charset would pass through unchanged goes to the output directly, without a copy in `utf8`.
    private mutating func convert(_ bytes: UnsafeRawBufferPointer, into output: inout TextCollector) {
        let unchanged = charset.passThroughLength(bytes)
        if unchanged > 0 {
            Self.deliver(UnsafeRawBufferPointer(rebasing: bytes[0..<unchanged]), html: &html, into: &output)
        }
        guard unchanged < bytes.count else { return }
        charset.decode(UnsafeRawBufferPointer(rebasing: bytes[unchanged...]), into: &utf8)
        Self.deliver(utf8, html: &html, into: &output)
        utf8.removeAll(keepingCapacity: true)
    }

    private static func deliver(_ text: [UInt8], html: inout HTMLTextExtractor?, into output: inout TextCollector) {
        text.withUnsafeBytes { deliver($0, html: &html, into: &output) }
    }

    private static func deliver(
        _ text: UnsafeRawBufferPointer, html: inout HTMLTextExtractor?, into output: inout TextCollector
    ) {
        if html != nil {
            html!.feed(text, into: &output)
        } else {
            output.appendPlain(text)
        }
    }
}
