import Foundation

/// Ready-made folder sets and mailboxes for tests and benchmarks, all deterministic in their seed.
public enum Corpus {
    /// A folder given as hierarchy components, so it can be named in either server layout.
    public typealias FolderPath = [String]

    /// Folders a realistic account has: special-use folders, nesting three deep, non-ASCII names (German,
    /// Cyrillic), a space and an `&` (which modified UTF-7 must escape).
    public static let folders: [FolderPath] = [
        ["INBOX"], ["Sent"], ["Drafts"], ["Trash"], ["Junk"], ["Archive"], ["Archive", "2024"],
        ["Projects"], ["Projects", "2024"], ["Projects", "2024", "Q1"], ["Entwürfe"], ["Входящие"],
        ["Входящие", "Архив"], ["Old Mail"], ["R&D"],
    ]

    /// Folder names a server may send that are hostile to a naive local path mapping. Usable in the slash
    /// layout; Dovecot accepts them there because the listescape plugin is loaded. (Dovecot refuses control
    /// characters in new names, so none are here.)
    public static let hostileFolderNames: [String] = [
        "../x", "..", "x/../y", "a.b", "~home", ".hidden", "back\\slash", "-dash", "con", "cur", "ends with space ",
    ]

    /// A small realistic account: every special kind of message at least once, spread over `folders`.
    /// One message of at least `size` bytes: a short header, then 76-letter CRLF lines, every
    /// 100th starting with "." (so POP3 must stuff it). For streaming and memory tests.
    public static func large(size: Int, seed: UInt64 = 1) -> [UInt8] {
        var message = Array("From: big@example.org\r\nSubject: big\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
        message.reserveCapacity(size + 80)
        var random = SeededRandom(seed: seed)
        var lines = 0
        while message.count < size {
            if lines % 100 == 99 { message.append(UInt8(ascii: ".")) }
            for _ in 0..<76 { message.append(UInt8(ascii: "A") + UInt8(random.next() % 26)) }
            message.append(contentsOf: [13, 10])
            lines += 1
        }
        return message
    }

    /// Resident memory of this process, in bytes (Linux).
    public static func residentMemory() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    public static func mailbox(seed: UInt64 = 1) -> [CorpusFolder] {
        var generator = CorpusGenerator(seed: seed)
        var result: [CorpusFolder] = []
        for (index, folder) in folders.enumerated() {
            var messages: [CorpusMessage] = []
            let count = folder == ["INBOX"] ? 12 : (index % 3 == 0 ? 0 : 1 + index % 4)
            for _ in 0..<count {
                messages.append(generator.message(ofSize: generator.random.logUniform(800...40_000)))
            }
            result.append(CorpusFolder(folder, messages))
        }
        result[0].messages += [
            generator.encodedWords(),
            generator.raw8BitHeaders(),
            generator.bareLineFeeds(),
            generator.withoutMessageID(),
            generator.alternative(flags: ["\\Seen", "$Forwarded", "NonJunk"]),
            generator.withAttachment(attachmentSize: 200_000, flags: ["\\Seen", "\\Flagged"]),
        ]
        return result
    }

    /// Sizes of the benchmark corpus, without generating it: 87.7 % log-uniform in 2-30 KB, 9 % in
    /// 30-100 KB, 3.3 % in 100 KB-5 MB. 10,000 messages come to about 550 MB.
    public static func benchmarkSizes(count: Int, seed: UInt64 = 1) -> [Int] {
        (0..<count).map { benchmarkSize(index: $0, seed: seed) }
    }

    static func benchmarkSize(index: Int, seed: UInt64) -> Int {
        var random = SeededRandom(seed: seed &+ 0x5EED, index: index)
        let bucket = Double.random(in: 0..<1, using: &random)
        if bucket < 0.877 { return random.logUniform(2_000...30_000) }
        if bucket < 0.967 { return random.logUniform(30_000...100_000) }
        return random.logUniform(100_000...5_000_000)
    }

    /// The benchmark corpus, generated one message at a time as it is iterated (never all in memory).
    public static func benchmark(count: Int = 10_000, seed: UInt64 = 1) -> BenchmarkCorpus {
        BenchmarkCorpus(count: count, seed: seed)
    }
}

/// A folder (as hierarchy components) and the messages to deliver into it.
public struct CorpusFolder: Sendable, Hashable {
    public var folder: Corpus.FolderPath
    public var messages: [CorpusMessage]

    public init(_ folder: Corpus.FolderPath, _ messages: [CorpusMessage]) {
        self.folder = folder
        self.messages = messages
    }
}

/// A lazily generated sequence of benchmark messages; see `Corpus.benchmark(count:seed:)`.
public struct BenchmarkCorpus: Sequence, Sendable {
    public let count: Int
    public let seed: UInt64

    public struct Iterator: IteratorProtocol {
        let corpus: BenchmarkCorpus
        var index = 0

        public mutating func next() -> CorpusMessage? {
            guard index < corpus.count else { return nil }
            defer { index += 1 }
            return corpus.message(at: index)
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(corpus: self)
    }

    public var underestimatedCount: Int { count }

    /// Message `index`, the same whichever order messages are generated in. INTERNALDATEs rise with the
    /// index, about one message an hour back from 2025-06-01.
    public func message(at index: Int) -> CorpusMessage {
        var generator = CorpusGenerator(seed: seed, index: index)
        var message = generator.message(ofSize: Corpus.benchmarkSize(index: index, seed: seed))
        let end = 1_748_736_000.0
        message.internalDate = Date(timeIntervalSince1970: end - Double(count - index) * 3_600)
        return message
    }
}
