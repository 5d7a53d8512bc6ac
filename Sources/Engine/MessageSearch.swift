import Catalog
import Foundation

/// `mailferry search`: the index finds candidates by their tokens, newest first; phrases are then
/// confirmed on the text re-read from the archive, candidate by candidate, until the limit is filled
/// (the index keeps no positions: see `SearchQuery`).
public struct MessageSearch: Sendable {
    public struct Result: Sendable {
        public var hits: [SearchHit]
        /// Candidates whose archived copy could not be read, so their phrases could not be checked.
        public var unreadable: [Int64]
    }

    public let reader: ArchiveReader

    public init(reader: ArchiveReader) {
        self.reader = reader
    }

    public func run(_ query: SearchQuery, filters: SearchFilters, limit: Int) throws -> Result {
        let catalog = reader.catalog
        let phrases = query.phrases
        guard !phrases.isEmpty else {
            return Result(hits: try catalog.search(query, filters: filters, limit: limit), unreadable: [])
        }
        var result = Result(hits: [], unreadable: [])
        let page = max(limit * 2, 100)
        var offset = 0
        while result.hits.count < limit {
            let candidates = try catalog.search(query, filters: filters, limit: page, offset: offset)
            for candidate in candidates where result.hits.count < limit {
                do {
                    if try reader.matches(phrases, message: candidate.id) { result.hits.append(candidate) }
                } catch {
                    result.unreadable.append(candidate.id)
                }
            }
            if candidates.count < page { break }
            offset += page
        }
        return result
    }
}
