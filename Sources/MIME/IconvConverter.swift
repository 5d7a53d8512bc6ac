#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Glibc `iconv` descriptor converting one charset to UTF-8, for the charsets without a table here.
///
/// A class only so that `deinit` closes the descriptor; it carries conversion state (ISO-2022-JP shifts, a
/// multibyte character cut by a chunk end), so one converter serves one stream.
final class IconvConverter {
    private let handle: iconv_t
    private var pending: [UInt8] = []
    private var scratch = [UInt8](repeating: 0, count: 16 * 1024)

    init?(charset: String) {
        // Only plain names reach iconv: a label like "UTF-8//TRANSLIT" or a path is not a charset.
        guard !charset.isEmpty, charset.utf8.count <= 40,
            charset.utf8.allSatisfy({ $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
                || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ":") })
        else { return nil }
        let opened = iconv_open("UTF-8", charset)
        guard let opened, Int(bitPattern: opened) != -1 else { return nil }
        handle = opened
    }

    deinit {
        iconv_close(handle)
    }

    func decode(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        if pending.isEmpty {
            convert(input, into: &output)
        } else {
            pending.append(contentsOf: input)
            let joined = pending
            pending.removeAll(keepingCapacity: true)
            joined.withUnsafeBytes { convert($0, into: &output) }
        }
    }

    func finish(into output: inout [UInt8]) {
        if !pending.isEmpty {
            output.append(contentsOf: UTF8Output.replacement)
            pending.removeAll()
        }
        scratch.withUnsafeMutableBytes { out in
            var outPointer: UnsafeMutablePointer<CChar>? = out.baseAddress!.assumingMemoryBound(to: CChar.self)
            var outLeft = out.count
            _ = iconv(handle, nil, nil, &outPointer, &outLeft)
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: out[0..<(out.count - outLeft)]))
        }
    }

    private func convert(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        guard let base = input.baseAddress, input.count > 0 else { return }
        var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(mutating: base)
            .assumingMemoryBound(to: CChar.self)
        var inLeft = input.count
        scratch.withUnsafeMutableBytes { out in
            while inLeft > 0 {
                var outPointer: UnsafeMutablePointer<CChar>? = out.baseAddress!.assumingMemoryBound(to: CChar.self)
                var outLeft = out.count
                let result = iconv(handle, &inPointer, &inLeft, &outPointer, &outLeft)
                let failure = result == -1 ? errno : 0
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: out[0..<(out.count - outLeft)]))
                if result != -1 { break }
                switch failure {
                case E2BIG:
                    continue
                case EINVAL:
                    // An incomplete character at the end of this chunk: keep it for the next.
                    pending.append(contentsOf: UnsafeRawBufferPointer(start: inPointer, count: inLeft))
                    inLeft = 0
                default:
                    output.append(contentsOf: UTF8Output.replacement)
                    inPointer = inPointer.map { $0 + 1 }
                    inLeft -= 1
                }
            }
        }
    }
}

extension UInt8 {
    var isASCIIAlphanumeric: Bool {
        (self >= 0x30 && self <= 0x39) || (self >= 0x41 && self <= 0x5A) || (self >= 0x61 && self <= 0x7A)
    }
}
