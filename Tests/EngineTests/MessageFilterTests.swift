import Catalog
import Testing

@testable import Engine

struct MessageFilterTests {
    @Test(
        arguments: [
            ("50MB", 50_000_000), ("1.5 GB", 1_500_000_000), ("200KiB", 204_800), ("1234", 1_234), ("2mib", 2_097_152),
            ("0", 0), ("10 kb", 10_000),
        ] as [(String, Int64)])
    func sizes(_ text: String, _ bytes: Int64) throws {
        #expect(try MessageFilter.size(text, key: "max_size") == bytes)
    }

    @Test(arguments: ["", "MB", "50 parsecs", "-3MB", "1.2.3MB"])
    func badSizes(_ text: String) {
        #expect(throws: FilterError.self) { try MessageFilter.size(text, key: "max_size") }
    }

    @Test(
        arguments: [
            ("2019-01-01", 1_546_300_800), ("2020-02-29", 1_582_934_400), ("2019-01-01T08:00:00+02:00", 1_546_322_400),
            ("2019-01-01T00:00:00Z", 1_546_300_800),
        ] as [(String, Int64)])
    func dates(_ text: String, _ seconds: Int64) throws {
        #expect(try MessageFilter.date(text, key: "since") == seconds)
    }

    @Test(arguments: ["2019-02-30", "2019-13-01", "01/02/2019", "yesterday", "19-01-01"])
    func badDates(_ text: String) {
        #expect(throws: FilterError.self) { try MessageFilter.date(text, key: "since") }
    }

    @Test func selectionFromFilterValues() throws {
        var filter = MessageFilter()
        filter.since = "2019-01-01"
        filter.before = "2020-01-01"
        filter.dateSource = "header"
        filter.maxSize = "50MB"
        filter.flags = ["\\Seen"]
        filter.from = ""
        filter.search = "invoice"
        let selection = try filter.selection()
        #expect(selection.since == 1_546_300_800 && selection.before == 1_577_836_800)
        #expect(selection.dateSource == .header && selection.maxSize == 50_000_000)
        #expect(selection.from == nil && selection.search == "\"invoice\"" && selection.flags == ["\\Seen"])
        #expect(selection.phrases.isEmpty)
        filter.search = "invoice \"quarterly report\""
        let phrased = try filter.selection()
        #expect(phrased.search == "\"invoice\" AND \"quarterly\" AND \"report\"")
        #expect(phrased.phrases == [SearchTerm(column: nil, tokens: ["quarterly", "report"])])
        filter.search = "?!"
        #expect(throws: FilterError(key: "search", message: "\"?!\" has no words to search for")) {
            try filter.selection()
        }
        filter.search = "invoice"

        filter.before = "2018-01-01"
        #expect(throws: FilterError.self) { try filter.selection() }
        filter.before = nil
        filter.dateSource = "received"
        #expect(throws: FilterError.self) { try filter.selection() }
        filter.dateSource = nil
        filter.flags = ["two words"]
        #expect(throws: FilterError.self) { try filter.selection() }
    }
}
