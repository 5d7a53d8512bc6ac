import Testing

@testable import Engine

/// Folder mapping as a table: source folders, options and a destination in, destination names out.
struct FolderMapperTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var source: [SourceFolder]
        var options = FolderMapOptions()
        var destination: DestinationLayout
        /// source name → (destination name or nil when excluded, reason, escaped)
        var expected: [String: (String?, FolderMapping.Reason, Bool)]
        var testDescription: String { name }
    }

    static func slash(_ names: String..., uses: [String: String] = [:]) -> [SourceFolder] {
        names.map { SourceFolder(name: $0, delimiter: "/", specialUse: uses[$0]) }
    }

    static func dot(_ names: String...) -> [SourceFolder] {
        names.map { SourceFolder(name: $0, delimiter: ".") }
    }

    static let slashServer = DestinationLayout(
        delimiter: "/", prefix: "",
        folders: [
            .init(name: "INBOX"), .init(name: "Sent", specialUse: "\\Sent"),
            .init(name: "Trash", specialUse: "\\Trash"),
            .init(name: "Junk", specialUse: "\\Junk"), .init(name: "Drafts"),
        ])
    static let dotServer = DestinationLayout(
        delimiter: ".", prefix: "INBOX.",
        folders: [
            .init(name: "INBOX"), .init(name: "INBOX.Sent", specialUse: "\\Sent"),
            .init(name: "INBOX.Archive", specialUse: "\\Archive"),
        ])
    static let emptySlash = DestinationLayout(delimiter: "/", prefix: "", folders: [.init(name: "INBOX")])

    static let cases: [Case] = [
        Case(
            name: "same layout keeps every name",
            source: slash("INBOX", "Projects", "Projects/2024", "Entwürfe", "Входящие/Архив", "R&D"),
            destination: emptySlash,
            expected: [
                "INBOX": ("INBOX", .inbox, false), "Projects": ("Projects", .translated, false),
                "Projects/2024": ("Projects/2024", .translated, false), "Entwürfe": ("Entwürfe", .translated, false),
                "Входящие/Архив": ("Входящие/Архив", .translated, false), "R&D": ("R&D", .translated, false),
            ]),
        Case(
            name: "slash to dot with INBOX. prefix; a dot inside a level is escaped",
            source: slash("inbox", "Projects/2024", "a.b", "INBOX/sub", "v1.2/notes"),
            destination: dotServer,
            expected: [
                "inbox": ("INBOX", .inbox, false), "Projects/2024": ("INBOX.Projects.2024", .translated, false),
                "a.b": ("INBOX.a_b", .translated, true), "INBOX/sub": ("INBOX.sub", .translated, false),
                "v1.2/notes": ("INBOX.v1_2.notes", .translated, true),
            ]),
        Case(
            name: "dot with INBOX. prefix to slash; a slash inside a level is escaped",
            source: dot("INBOX", "INBOX.Projects", "INBOX.Projects.2024", "INBOX.a/b", "INBOX.Sent"),
            destination: emptySlash,
            expected: [
                "INBOX": ("INBOX", .inbox, false), "INBOX.Projects": ("Projects", .translated, false),
                "INBOX.Projects.2024": ("Projects/2024", .translated, false), "INBOX.a/b": ("a_b", .translated, true),
                "INBOX.Sent": ("Sent", .translated, false),
            ]),
        Case(
            name: "a chosen substitute",
            source: slash("a.b"), options: FolderMapOptions(delimiterSubstitute: "·"), destination: dotServer,
            expected: ["a.b": ("INBOX.a·b", .translated, true)]),
        Case(
            name: "automap by attribute and by usual name; children follow their parent",
            source: slash(
                "INBOX", "Sent Items", "Sent Items/2023", "Deleted Items", "Junk E-mail", "Spam", "Entwürfe", "Archive",
                "Archive/2024", "Ausgang", "[Gmail]/Sent Mail", "Projects",
                uses: ["Ausgang": "\\Sent", "Archive": "\\Archive"]),
            options: FolderMapOptions(automap: true), destination: slashServer,
            expected: [
                "INBOX": ("INBOX", .inbox, false), "Sent Items": ("Sent", .automap, false),
                "Sent Items/2023": ("Sent/2023", .automapParent, false), "Deleted Items": ("Trash", .automap, false),
                "Junk E-mail": ("Junk", .automap, false), "Spam": ("Junk", .automap, false),
                "Entwürfe": ("Drafts", .automap, false), "Archive": ("Archive", .automap, false),
                "Archive/2024": ("Archive/2024", .automapParent, false), "Ausgang": ("Sent", .automap, false),
                "[Gmail]/Sent Mail": ("Sent", .automap, false), "Projects": ("Projects", .translated, false),
            ]),
        Case(
            name: "automap into a dot server's marked folders",
            source: slash("Sent Items", "Sent Items/2023", "Archives", "Trash"),
            options: FolderMapOptions(automap: true), destination: dotServer,
            expected: [
                "Sent Items": ("INBOX.Sent", .automap, false),
                "Sent Items/2023": ("INBOX.Sent.2023", .automapParent, false),
                "Archives": ("INBOX.Archive", .automap, false), "Trash": ("INBOX.Trash", .automap, false),
            ]),
        Case(
            name: "without automap, special folders keep their names",
            source: slash("Sent Items", "Deleted Items"), destination: slashServer,
            expected: [
                "Sent Items": ("Sent Items", .translated, false),
                "Deleted Items": ("Deleted Items", .translated, false),
            ]),
        Case(
            name: "rules: first match wins; exact, glob and regex with captures",
            source: slash(
                "Old Mail", "Oldies", "Archive/2023", "Archive/misc", "Lists/swift", "Lists/swift/evolution", "INBOX"),
            options: FolderMapOptions(rules: [
                FolderMapRule(.exact("Old Mail"), to: "Legacy"), FolderMapRule(.glob("Old*"), to: "Other/$1"),
                FolderMapRule(.regex("^Archive/(\\d{4})$"), to: "Archives/$1"),
                FolderMapRule(.glob("Lists/%"), to: "Mailing lists/$1"),
            ]),
            destination: emptySlash,
            expected: [
                "Old Mail": ("Legacy", .rule, false), "Oldies": ("Other/ies", .rule, false),
                "Archive/2023": ("Archives/2023", .rule, false), "Archive/misc": ("Archive/misc", .translated, false),
                "Lists/swift": ("Mailing lists/swift", .rule, false),
                "Lists/swift/evolution": ("Lists/swift/evolution", .translated, false),
                "INBOX": ("INBOX", .inbox, false),
            ]),
        Case(
            name: "rules before automap; INBOX matched in any case",
            source: slash("Sent Items", "INBOX"),
            options: FolderMapOptions(
                rules: [
                    FolderMapRule(.exact("Sent Items"), to: "Old sent"),
                    FolderMapRule(.exact("inbox"), to: "Restored/INBOX"),
                ],
                automap: true),
            destination: slashServer,
            expected: ["Sent Items": ("Old sent", .rule, false), "INBOX": ("Restored/INBOX", .rule, false)]),
        Case(
            name: "captures from a dot source become levels; a slash in a level stays inside it",
            source: dot("INBOX.Archive.2023.Q1", "INBOX.Archive.a/b"),
            options: FolderMapOptions(rules: [FolderMapRule(.regex("^INBOX\\.Archive\\.(.*)$"), to: "Archives/$1")]),
            destination: emptySlash,
            expected: [
                "INBOX.Archive.2023.Q1": ("Archives/2023/Q1", .rule, false),
                "INBOX.Archive.a/b": ("Archives/a_b", .rule, true),
            ]),
        Case(
            name: "a target spelt the destination's way; regex on Unicode names; $$ and ${n}",
            source: slash("Archive/2023", "Входящие/Архив", "Cost"),
            options: FolderMapOptions(rules: [
                FolderMapRule(.regex("^Archive/(\\d+)$"), to: "INBOX.Archives.$1"),
                FolderMapRule(.regex("^Входящие/(.+)$"), to: "Eingang/${1}"),
                FolderMapRule(.exact("Cost"), to: "$$ Cost"),
            ]),
            destination: dotServer,
            expected: [
                "Archive/2023": ("INBOX.Archives.2023", .rule, false),
                "Входящие/Архив": ("INBOX.Eingang.Архив", .rule, false),
                "Cost": ("INBOX.$ Cost", .rule, false),
            ]),
        Case(
            name: "into: a subtree for everything, INBOX too",
            source: slash("INBOX", "Projects/2024"), options: FolderMapOptions(into: "Restored/2025"),
            destination: dotServer,
            expected: [
                "INBOX": ("INBOX.Restored.2025.INBOX", .inbox, false),
                "Projects/2024": ("INBOX.Restored.2025.Projects.2024", .translated, false),
            ]),
        Case(
            name: "into with automap: INBOX and special folders go to their real places",
            source: slash("INBOX", "Sent Items", "Projects"), options: FolderMapOptions(automap: true, into: "Old"),
            destination: slashServer,
            expected: [
                "INBOX": ("INBOX", .inbox, false), "Sent Items": ("Sent", .automap, false),
                "Projects": ("Old/Projects", .translated, false),
            ]),
        Case(
            name: "include and exclude globs",
            source: slash("INBOX", "Junk", "Projects", "Projects/2024", "Other"),
            options: FolderMapOptions(include: ["INBOX", "Projects*", "Junk"], exclude: ["Junk"]),
            destination: emptySlash,
            expected: [
                "INBOX": ("INBOX", .inbox, false), "Junk": (nil, .excluded, false),
                "Projects": ("Projects", .translated, false),
                "Projects/2024": ("Projects/2024", .translated, false), "Other": (nil, .excluded, false),
            ]),
    ]

    @Test(arguments: cases) func mapping(_ test: Case) throws {
        let mapper = try FolderMapper(options: test.options, destination: test.destination)
        let mappings = try mapper.map(test.source)
        #expect(mappings.map(\.source) == test.source.map(\.name))
        for mapping in mappings {
            let expected = try #require(test.expected[mapping.source], "no expectation for \(mapping.source)")
            #expect(mapping.destination == expected.0, "\(mapping.source)")
            #expect(mapping.reason == expected.1, "\(mapping.source)")
            #expect(mapping.escaped == expected.2, "\(mapping.source)")
            let exists =
                mapping.destination.map { name in test.destination.folders.contains { $0.name == name } } ?? false
            #expect(mapping.exists == exists, "\(mapping.source)")
        }
    }

    @Test func sourcePrefixIsInferredOnlyForDotServersWithEverythingUnderINBOX() {
        #expect(FolderMapper.sourcePrefix(of: Self.dot("INBOX", "INBOX.a", "INBOX.b.c")) == "INBOX.")
        #expect(FolderMapper.sourcePrefix(of: Self.dot("INBOX", "INBOX.a", "Sent")) == "")
        #expect(FolderMapper.sourcePrefix(of: Self.slash("INBOX", "INBOX/a")) == "")
        #expect(FolderMapper.sourcePrefix(of: Self.dot("INBOX")) == "")
    }

    @Test func badRulesAndOptionsAreReported() throws {
        #expect(throws: FolderMapError.self) {
            try FolderMapper(
                options: FolderMapOptions(rules: [FolderMapRule(.regex("(unclosed"), to: "x")]),
                destination: Self.emptySlash)
        }
        #expect(throws: FolderMapError.self) {
            try FolderMapper(options: FolderMapOptions(delimiterSubstitute: "."), destination: Self.dotServer)
        }
        let mapper = try FolderMapper(
            options: FolderMapOptions(rules: [FolderMapRule(.regex("^(a)$"), to: "x/$2")]), destination: Self.emptySlash
        )
        #expect(throws: FolderMapError.self) { try mapper.map(Self.slash("a")) }
        let dollar = try FolderMapper(
            options: FolderMapOptions(rules: [FolderMapRule(.exact("a"), to: "x$")]), destination: Self.emptySlash)
        #expect(throws: FolderMapError.self) { try dollar.map(Self.slash("a")) }
    }

    @Test(arguments: [
        ("Sent Items=Sent", FolderMapRule(.exact("Sent Items"), to: "Sent")),
        ("Lists/*=Lists/$1", FolderMapRule(.glob("Lists/*"), to: "Lists/$1")),
        ("a=b=c", FolderMapRule(.exact("a"), to: "b=c")),
    ])
    func commandLineRules(_ text: String, _ rule: FolderMapRule) {
        #expect(FolderMapRule.parse(text) == rule)
    }

    @Test func commandLineRegexRules() {
        #expect(FolderMapRule.parse("/^(?=x)a$/=b") == FolderMapRule(.regex("^(?=x)a$"), to: "b"))
        #expect(
            FolderMapRule.parse("/^Archive/(\\d{4})$/=Archives/$1")
                == FolderMapRule(.regex("^Archive/(\\d{4})$"), to: "Archives/$1"))
        #expect(FolderMapRule.parse("no equals") == nil)
        #expect(FolderMapRule.parse("=x") == nil)
        #expect(FolderMapRule.parse("//=x") == FolderMapRule(.exact("//"), to: "x"))
    }
}
