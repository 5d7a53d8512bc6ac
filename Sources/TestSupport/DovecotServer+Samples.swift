import Foundation

extension DovecotServer {
    /// Loads hand-written sample mail: `<directory>/<folder path>/*.eml`, with flags and INTERNALDATEs from
    /// `<directory>/flags.txt`. Returns how many messages were delivered.
    ///
    /// Each folder directory path (`Archive/2024`) is a folder in this server's layout. `flags.txt` lines are
    /// `relative/path.eml | 2024-03-04T09:15:00Z | \Seen $Forwarded` (flags may be empty; `#` starts a
    /// comment); files without a line get no flags and the time 2024-01-01T00:00:00Z. Line ends are
    /// normalised to CRLF, so files may be edited with any editor.
    @discardableResult
    public func loadSamples(from directory: URL, user: String) throws -> Int {
        let metadata = try SampleMetadata(directory.appendingPathComponent("flags.txt"))
        var byFolder: [String: [String]] = [:]
        let root = directory.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: root) else { return 0 }
        for case let relative as String in walker where relative.hasSuffix(".eml") {
            let folder = (relative as NSString).deletingLastPathComponent
            byFolder[folder, default: []].append(relative)
        }
        var delivered = 0
        for (folder, files) in byFolder.sorted(by: { $0.key < $1.key }) where !folder.isEmpty {
            let messages = try files.sorted().map { relative -> CorpusMessage in
                let data = try Data(contentsOf: URL(fileURLWithPath: root + "/" + relative))
                let entry = metadata.entries[relative]
                return CorpusMessage(
                    bytes: Self.crlf(Array(data)), flags: entry?.flags ?? [],
                    internalDate: entry?.date ?? Date(timeIntervalSince1970: 1_704_067_200))
            }
            let components = folder.split(separator: "/").map(String.init)
            delivered += try deliver(user: user, folder: folderName(components), messages: messages)
        }
        return delivered
    }

    private static func crlf(_ bytes: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + bytes.count / 40)
        var previous: UInt8 = 0
        for byte in bytes {
            if byte == 0x0A && previous != 0x0D { result.append(0x0D) }
            result.append(byte)
            previous = byte
        }
        return result
    }
}

/// The parsed `flags.txt` of a samples directory.
struct SampleMetadata {
    struct Entry {
        var date: Date
        var flags: [String]
    }

    var entries: [String: Entry] = [:]

    init(_ file: URL) throws {
        guard FileManager.default.fileExists(atPath: file.path) else { return }
        let text = try String(contentsOf: file, encoding: .utf8)
        let parser = ISO8601DateFormatter()
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            let fields = line.split(separator: "|", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 3, let date = parser.date(from: fields[1]) else {
                throw DovecotServerError.invalidSample(file: file.path, line: number + 1)
            }
            entries[fields[0]] = Entry(date: date, flags: fields[2].split(separator: " ").map(String.init))
        }
    }
}
