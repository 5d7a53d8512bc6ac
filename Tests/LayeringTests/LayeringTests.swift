import Foundation
import Testing

/// Reads every source file's `import` lines and checks them against DESIGN.md's module table:
/// SwiftPM alone does not stop a module importing a transitive dependency.
struct LayeringTests {
    static let system: Set<String> = ["Foundation", "Glibc", "Darwin", "Dispatch", "FoundationEssentials", "Synchronization"]

    /// What each target may import besides the system modules.
    static let allowed: [String: Set<String>] = [
        "MailCore": ["CCrypto"],
        "MailTransport": ["NIOCore", "NIOPosix", "NIOConcurrencyHelpers", "NIOSSL", "Logging"],
        "IMAPCore": ["NIOCore"],
        "IMAPClient": ["IMAPCore", "MailTransport", "NIOCore", "NIOPosix", "NIOSSL", "Logging"],
        "POP3Core": ["NIOCore"],
        "POP3Client": ["POP3Core", "MailTransport", "NIOCore", "Logging"],
        "MIME": [],
        "CCrypto": [],
        "CArchive": [],
        "Archives": ["MailCore", "CArchive"],
        "migration-embedder": [],
        "Catalog": ["MailCore", "MIME", "GRDB"],
        "Engine": [
            "MailCore", "MIME", "Catalog", "Archives", "MailTransport", "IMAPCore", "IMAPClient", "POP3Core", "POP3Client",
            "TOMLKit", "Logging",
        ],
        "MailFerryCommands": ["Engine", "Catalog", "ArgumentParser", "Logging", "IMAPClient", "POP3Client", "MailTransport"],
        "mailferry": ["MailFerryCommands"],
        "TestSupport": ["MailCore", "NIOCore", "NIOPosix"],
        "dovecot-fixture": ["TestSupport"],
    ]

    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func imports(in directory: URL) throws -> [(file: String, module: String)] {
        var found: [(String, String)] = []
        let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift" else { continue }
            let text = try String(contentsOf: file, encoding: .utf8)
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ").filter { !$0.hasPrefix("@") }
                let keywords: Set<Substring> = ["public", "internal", "package", "private", "fileprivate"]
                let rest = words.drop { keywords.contains($0) }
                guard rest.first == "import", rest.count >= 2 else { continue }
                var module = String(rest[rest.index(after: rest.startIndex)])
                if ["struct", "class", "enum", "func", "protocol", "typealias", "var", "let"].contains(module) {
                    module = String(rest.dropFirst(2).first ?? "")
                }
                found.append((file.lastPathComponent, String(module.split(separator: ".").first ?? "")))
            }
        }
        return found
    }

    @Test func everyTargetImportsOnlyWhatTheDesignAllows() throws {
        let sources = Self.root.appendingPathComponent("Sources")
        let targets = try FileManager.default.contentsOfDirectory(atPath: sources.path)
        for target in targets.sorted() {
            let allowed = try #require(Self.allowed[target], "target \(target) is missing from the layering table")
            for (file, module) in try Self.imports(in: sources.appendingPathComponent(target)) {
                #expect(
                    Self.system.contains(module) || allowed.contains(module),
                    "\(target)/\(file) imports \(module), which DESIGN.md does not allow")
            }
        }
    }

    @Test func protocolAndStorageTargetsStayApart() throws {
        let sources = Self.root.appendingPathComponent("Sources")
        for target in ["IMAPCore", "IMAPClient", "POP3Core", "POP3Client", "MailTransport"] {
            for (file, module) in try Self.imports(in: sources.appendingPathComponent(target)) {
                #expect(!["GRDB", "Catalog", "Archives", "Engine"].contains(module), "\(target)/\(file) imports \(module)")
            }
        }
    }
}
