import Foundation
import GRDB
import Testing

@testable import Catalog

/// The user's query becomes single-token FTS5 strings (the index keeps no positions); phrases are
/// confirmed on the text.
struct SearchQueryTests {
    static let cases: [(query: String, fts: String?, phrases: Int)] = [
        ("invoice", "\"invoice\"", 0),
        ("Invoi*", "\"Invoi\"*", 0),
        ("\"quarterly report\"", "\"quarterly\" AND \"report\"", 1),
        ("subject:Café  body:\"see you\"", "subject : \"Café\" AND body : \"see\" AND body : \"you\"", 1),
        ("e-mail", "\"e\" AND \"mail\"", 1),
        ("foo:bar", "\"foo\" AND \"bar\"", 1),
        ("from:alice to:Bob", "addresses : \"alice\" AND addresses : \"Bob\"", 0),
        ("\"unclosed phrase", "\"unclosed\" AND \"phrase\"", 1),
        ("\"\" * ::: --", nil, 0),
        ("NEAR(a b) OR \"x", "\"NEAR\" AND \"a\" AND \"b\" AND \"OR\" AND \"x\"", 1),
        ("Grüße KÖLN", "\"Grüße\" AND \"KÖLN\"", 0),
    ]

    @Test(arguments: 0..<cases.count) func parsesIntoSingleTokenTerms(_ index: Int) throws {
        let (text, fts, phrases) = Self.cases[index]
        let query = SearchQuery(parsing: text)
        #expect(query.ftsExpression == fts)
        #expect(query.phrases.count == phrases)
        // SQLite takes every expression on the contentless, column-detail index.
        guard let fts else { return }
        try SearchIndexTests.withCatalog { catalog, _ in
            _ = try catalog.pool.read { db in
                try Int64.fetchAll(db, sql: "SELECT rowid FROM message_text WHERE message_text MATCH ?", arguments: [fts])
            }
        }
    }

    @Test func phrasesMatchWordsInOrderInTheirColumn() {
        let texts: [SearchTerm.Column: String] = [
            .subject: "Re: Quarterly Report", .addresses: "Alice <alice@example.org>", .body: "the report is quarterly, see-you",
        ]
        let text = { (column: SearchTerm.Column) in texts[column] ?? "" }
        #expect(SearchQuery(parsing: "\"quarterly report\"").phrases[0].matches(text))
        #expect(!SearchQuery(parsing: "body:\"quarterly report\"").phrases[0].matches(text))
        #expect(SearchQuery(parsing: "body:\"see you\"").phrases[0].matches(text))
        #expect(SearchQuery(parsing: "from:alice@example.org").phrases[0].matches(text))
        #expect(!SearchQuery(parsing: "\"report quarterly see\"").phrases[0].matches(text))
    }

    @Test func theIndexFoldsQueryStringsAsItFoldedTheText() throws {
        try SearchIndexTests.withCatalog { catalog, folderID in
            try catalog.record(
                [SearchIndexTests.stored(1, hash: 1, subject: "Grüße aus KÖLN", body: "Straße")], folderID: folderID,
                uidValidity: 7, highestUID: 1, now: 2)
            func count(_ text: String) throws -> Int {
                try catalog.search(SearchQuery(parsing: text), filters: SearchFilters(), limit: 10).count
            }
            for text in ["grüße", "GRÜßE", "köln", "KOLN", "straße", "\"aus Köln\""] {
                #expect(try count(text) == 1, "\(text)")
            }
            // unicode61 removes diacritics; it does not fold ß into ss.
            #expect(try count("strasse") == 0)
        }
    }

    @Test func searchFiltersAndOrdersNewestFirst() throws {
        try SearchIndexTests.withCatalog { catalog, folderID in
            var older = SearchIndexTests.stored(1, hash: 1, subject: "Quarterly report", body: "numbers")
            older.summary?.date = 1_600_000_000
            var newer = SearchIndexTests.stored(2, hash: 2, subject: "Report", body: "quarterly numbers 100%")
            newer.summary?.date = 1_700_000_000
            newer.summary?.hasAttachments = true
            try catalog.record([older, newer], folderID: folderID, uidValidity: 7, highestUID: 2, now: 2)
            let all = try catalog.search(SearchQuery(parsing: "quarterly"), filters: SearchFilters(), limit: 10)
            #expect(all.map(\.subject) == ["Report", "Quarterly report"])
            #expect(all[0].folders == ["a/INBOX"])
            #expect(try catalog.search(SearchQuery(parsing: "numbers"), filters: SearchFilters(hasAttachment: true), limit: 10).count == 1)
            #expect(try catalog.search(SearchQuery(terms: []), filters: SearchFilters(before: 1_650_000_000), limit: 10).map(\.id) == [all[1].id])
            #expect(try catalog.search(SearchQuery(terms: []), filters: SearchFilters(from: "ALICE@"), limit: 10).count == 2)
            #expect(try catalog.search(SearchQuery(terms: []), filters: SearchFilters(to: "%"), limit: 10).isEmpty, "LIKE characters are text")
            #expect(try catalog.search(SearchQuery(terms: []), filters: SearchFilters(folder: "IN*"), limit: 1).count == 1)
            #expect(try catalog.search(SearchQuery(terms: []), filters: SearchFilters(folder: "Sent"), limit: 10).isEmpty)
        }
    }
}
