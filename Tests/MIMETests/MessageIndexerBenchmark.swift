import Foundation
import MIME
import Testing

/// Indexer throughput on a generated mix shaped like the backup benchmark's corpus (87.7 % text or text+HTML of
/// 2-30 KB, 9 % of 30-100 KB and 3.3 % of 100 KB-5 MB with a base64 attachment), then on one message with a 25 MB
/// attachment, fed in 64 KiB chunks as the backup feeds it. A measurement, not a check: it only prints, and runs
/// only when asked to, in a release build:
///
///     MAILFERRY_MIME_BENCH=1 swift test -c release --filter MessageIndexerBenchmark
@Suite(.enabled(if: ProcessInfo.processInfo.environment["MAILFERRY_MIME_BENCH"] != nil))
struct MessageIndexerBenchmark {
    static let words = [
        "the", "backup", "mailbox", "server", "message", "please", "review", "attached", "quarterly", "report",
        "meeting", "tomorrow", "thanks", "regards", "schedule", "update", "project", "deadline", "budget", "Grüße",
    ]

    @Test func throughput() {
        var random = SplitMix64(seed: 1)
        let corpus = (0..<2000).map { _ in Self.message(size: Self.size(&random), &random) }
        Self.measure("corpus", corpus)
        Self.measure("25 MB attachment", [Self.withAttachment(decoded: 25 << 20, &random)])
    }

    static func measure(_ name: String, _ messages: [[UInt8]]) {
        let bytes = messages.reduce(0) { $0 + $1.count }
        var best = Duration.seconds(1000)
        for _ in 0..<5 {
            let elapsed = ContinuousClock().measure {
                for message in messages { _ = Fixtures.index(message, chunk: 64 * 1024) }
            }
            best = min(best, elapsed)
        }
        let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) / 1e18
        print(
            "\(name): \(messages.count) messages, \(bytes / 1_000_000) MB, best of 5 \(best): "
                + "\(Int(Double(bytes) / 1e6 / seconds)) MB/s, \(Int(Double(messages.count) / seconds)) messages/s")
    }

    static func size(_ random: inout SplitMix64) -> Int {
        let bucket = Double(random.next() % 1000) / 1000
        let (low, high) = bucket < 0.877 ? (2_000.0, 30_000.0) : bucket < 0.967 ? (30_000, 100_000) : (100_000, 5e6)
        return Int(low * pow(high / low, Double(random.next() % 1000) / 1000))
    }

    static func message(size: Int, _ random: inout SplitMix64) -> [UInt8] {
        if size > 30_000 { return withAttachment(decoded: (size - 1_500) * 57 / 78, &random) }
        let text = prose(size - 800, &random)
        guard size > 6_000 && random.next() % 2 == 0 else { return headers("text/plain; charset=utf-8") + text }
        let html = Array("<html><body><p>".utf8) + text + Array("</p></body></html>\r\n".utf8)
        return headers("multipart/alternative; boundary=\"alt-b\"")
            + part("--alt-b", "text/plain; charset=utf-8", text) + part("--alt-b", "text/html; charset=utf-8", html)
            + Array("--alt-b--\r\n".utf8)
    }

    static func withAttachment(decoded: Int, _ random: inout SplitMix64) -> [UInt8] {
        let content = (0..<(decoded + 7) / 8).flatMap { _ in withUnsafeBytes(of: random.next()) { Array($0) } }
        let encoded = Data(content.prefix(decoded)).base64EncodedData(options: [
            .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
        ])
        return headers("multipart/mixed; boundary=\"mix-b\"")
            + part("--mix-b", "text/plain; charset=utf-8", prose(400, &random))
            + Array("--mix-b\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\n".utf8)
            + Array("Content-Transfer-Encoding: base64\r\n\r\n".utf8) + Array(encoded)
            + Array("\r\n--mix-b--\r\n".utf8)
    }

    static func headers(_ contentType: String) -> [UInt8] {
        Array(
            ("From: \"Alice Martin\" <alice@example.com>\r\nTo: Bob <bob@example.org>\r\nSubject: Quarterly report\r\n"
                + "Date: Tue, 05 Mar 2024 14:07:09 +0100\r\nMessage-ID: <x.1@example.com>\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: \(contentType)\r\n\r\n").utf8)
    }

    static func part(_ delimiter: String, _ contentType: String, _ body: [UInt8]) -> [UInt8] {
        Array("\(delimiter)\r\nContent-Type: \(contentType)\r\n\r\n".utf8) + body + [0x0D, 0x0A]
    }

    /// Words in lines under 76 characters with CRLF ends, a blank line now and then.
    static func prose(_ size: Int, _ random: inout SplitMix64) -> [UInt8] {
        var bytes: [UInt8] = []
        var line = 0
        while bytes.count < size {
            let word = Array(words[Int(random.next() % UInt64(words.count))].utf8)
            if line + word.count > 72 {
                bytes += random.next() % 5 == 0 ? [0x0D, 0x0A, 0x0D, 0x0A] : [0x0D, 0x0A]
                line = 0
            } else if line > 0 {
                bytes.append(0x20)
                line += 1
            }
            bytes += word
            line += word.count
        }
        return bytes + [0x0D, 0x0A]
    }
}
