import MailCore
import Testing

struct PathComponentTests {
    @Test(arguments: [
        ("INBOX", "INBOX"),
        ("Entwürfe", "Entwürfe"),
        ("Old Mail", "Old Mail"),
        ("..", "%2E."),
        (".", "%2E"),
        (".hidden", "%2Ehidden"),
        ("a/b", "a%2Fb"),
        ("back\\slash", "back%5Cslash"),
        ("nul\u{0}byte", "nul%00byte"),
        ("tab\there", "tab%09here"),
        ("100%", "100%25"),
        ("cur", "%63ur"),
        ("new", "%6Eew"),
        ("tmp", "%74mp"),
        ("", "%"),
    ])
    func escapesHostileNames(name: String, expected: String) {
        let escaped = PathComponent.escape(name)
        #expect(escaped == expected)
        #expect(PathComponent.unescape(escaped) == Array(name.utf8))
    }

    @Test func veryLongNamesAreShortenedUniquely() {
        let a = String(repeating: "ä", count: 300)
        let b = String(repeating: "ä", count: 299) + "b"
        let ea = PathComponent.escape(a)
        let eb = PathComponent.escape(b)
        #expect(ea.utf8.count <= 255)
        #expect(eb.utf8.count <= 255)
        #expect(ea != eb)
        let percents = String(repeating: "/", count: 200)
        #expect(PathComponent.escape(percents).utf8.count <= 255)
        #expect(!PathComponent.escape(percents).contains("/"))
    }

    @Test func invalidUTF8BytesAreEscaped() {
        let raw: [UInt8] = [0x41, 0xFF, 0xFE, 0x2F]
        let escaped = PathComponent.escape(bytes: raw)
        #expect(escaped == "A%FF%FE%2F")
        #expect(PathComponent.unescape(escaped) == raw)
    }

    @Test func folderPathsSplitOnTheServerDelimiterOnly() {
        #expect(FolderPath(name: "Projects/2024/Q1", delimiter: "/").relativePath == "Projects/2024/Q1")
        #expect(FolderPath(name: "INBOX.Sent.a/b", delimiter: ".").relativePath == "INBOX/Sent/a%2Fb")
        #expect(FolderPath(name: "../../etc", delimiter: "/").relativePath == "%2E./%2E./etc")
        #expect(FolderPath(name: "inbox", delimiter: "/").relativePath == "INBOX")
        #expect(FolderPath(name: "a//b", delimiter: "/").relativePath == "a/%/b")
        for component in FolderPath(name: "../x/./cur/..", delimiter: "/").components {
            #expect(![".", "..", "cur", ""].contains(component))
            #expect(!component.hasPrefix("."))
        }
    }
}
