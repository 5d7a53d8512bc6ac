import Foundation
import Testing

@testable import TestSupport

@Suite("Corpus builders")
struct CorpusTests {
    @Test("The same seed gives the same bytes; another seed does not")
    func deterministic() {
        var first = CorpusGenerator(seed: 11)
        var second = CorpusGenerator(seed: 11)
        var other = CorpusGenerator(seed: 12)
        #expect(first.alternative() == second.alternative())
        #expect(first.withAttachment(attachmentSize: 10_000) == second.withAttachment(attachmentSize: 10_000))
        #expect(first.plainText() != other.plainText())
        #expect(
            Corpus.benchmark(count: 50, seed: 3).message(at: 17) == Corpus.benchmark(count: 50, seed: 3).message(at: 17)
        )
    }

    @Test("Generated messages have the promised shapes")
    func shapes() throws {
        var generator = CorpusGenerator(seed: 5)
        let plain = generator.plainText()
        #expect(plain.header("Message-ID") != nil)
        #expect(!plain.bytes.contains(0) && plain.bytes.count > 1_000)
        #expect(plain.header("Content-Type")?.hasPrefix("text/plain") == true)

        let alternative = generator.alternative()
        #expect(alternative.header("Content-Type")?.hasPrefix("multipart/alternative") == true)
        #expect(String(decoding: alternative.bytes, as: UTF8.self).contains("Content-Type: text/html"))

        let big = generator.withAttachment(attachmentSize: 20_000_000)
        #expect(big.bytes.count > 27_000_000 && big.bytes.count < 28_000_000)
        #expect(String(decoding: big.bytes.prefix(4_000), as: UTF8.self).contains("Content-Transfer-Encoding: base64"))

        #expect(generator.encodedWords().header("Subject")?.hasPrefix("=?") == true)
        #expect(generator.raw8BitHeaders().bytes.contains(0xF6))
        let bareLF = generator.bareLineFeeds()
        #expect(!bareLF.bytes.contains(0x0D) && bareLF.bytes.contains(0x0A))
        #expect(generator.withoutMessageID().header("Message-ID") == nil)
        for _ in 0..<20 {
            let message = generator.plainText()
            #expect(message.internalDate.timeIntervalSince1970.rounded() == message.internalDate.timeIntervalSince1970)
        }
    }

    @Test("message(ofSize:) lands near the size asked for")
    func sizes() {
        var generator = CorpusGenerator(seed: 8)
        for size in [2_000, 9_000, 29_000, 120_000, 1_000_000, 5_000_000] {
            let actual = generator.message(ofSize: size).bytes.count
            #expect(abs(actual - size) < max(1_200, size / 20), "asked \(size), got \(actual)")
        }
    }

    @Test("The benchmark mix: 10,000 messages come to about 550 MB, mostly 2-30 KB with a long tail")
    func benchmarkMix() {
        let sizes = Corpus.benchmarkSizes(count: 10_000)
        let total = sizes.reduce(0, +)
        #expect(total > 500_000_000 && total < 600_000_000, "total \(total)")
        let small = sizes.filter { $0 <= 30_000 }.count
        #expect(small > 8_500 && small < 9_000)
        #expect(sizes.contains { $0 > 4_000_000 })
        #expect(sizes.min()! >= 2_000 && sizes.max()! <= 5_000_000)
    }

    @Test("The sample mailbox covers every folder kind and special message")
    func mailbox() {
        let mailbox = Corpus.mailbox()
        #expect(mailbox.map(\.folder) == Corpus.folders)
        let all = mailbox.flatMap(\.messages)
        #expect(all.count > 25)
        #expect(all.contains { $0.header("Message-ID") == nil })
        #expect(all.contains { $0.flags.contains("$Forwarded") })
        #expect(Corpus.mailbox() == Corpus.mailbox(seed: 1))
    }

    @Test("A benchmark slice delivers quickly and completely")
    func benchmarkDelivery() throws {
        let server = try DovecotServer.start()
        defer { server.stop() }
        let count = ProcessInfo.processInfo.environment["MAILFERRY_BENCH_COUNT"].flatMap(Int.init) ?? 300
        let started = Date()
        let delivered = try server.deliver(user: "alice", folder: "INBOX", messages: Corpus.benchmark(count: count))
        let seconds = Date().timeIntervalSince(started)
        #expect(delivered == count)
        #expect(try server.status(user: "alice", folder: "INBOX")["messages"] == String(count))
        let bytes = Corpus.benchmarkSizes(count: count).reduce(0, +)
        print("delivered \(count) messages (~\(bytes / 1_000_000) MB) in \(String(format: "%.1f", seconds)) s")
    }

    @Test("A delivered corpus mailbox is listed in full")
    func deliverMailbox() throws {
        let server = try DovecotServer.start(.init(layout: .dotWithInboxPrefix))
        defer { server.stop() }
        let mailbox = Corpus.mailbox(seed: 2)
        try server.deliver(user: "bob", mailbox: mailbox)
        let names = Set(try server.folderNames(user: "bob"))
        for entry in mailbox {
            #expect(names.contains(server.folderName(entry.folder)))
            let status = try server.status(user: "bob", folder: server.folderName(entry.folder))
            #expect(status["messages"] == String(entry.messages.count))
        }
    }
}
