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
            transfer.decode(UnsafeRawBufferPointer(rebasing: input[start..<end]), into: &decoded)
            convert(into: &output)
            start = end
        }
    }

    mutating func finish(into output: inout TextCollector) {
        transfer.finish(into: &decoded)
        decoded.withUnsafeBytes { charset.decode($0, into: &utf8) }
        decoded.removeAll(keepingCapacity: true)
        charset.finish(into: &utf8)
        deliver(into: &output)
        html?.finish(into: &output)
    }

    private mutating func convert(into output: inout TextCollector) {
        decoded.withUnsafeBytes { charset.decode($0, into: &utf8) }
        decoded.removeAll(keepingCapacity: true)
        deliver(into: &output)
    }

    private mutating func deliver(into output: inout TextCollector) {
        if html != nil {
            utf8.withUnsafeBytes { html!.feed($0, into: &output) }
        } else {
            utf8.withUnsafeBytes { output.appendPlain($0) }
        }
        utf8.removeAll(keepingCapacity: true)
    }
}
