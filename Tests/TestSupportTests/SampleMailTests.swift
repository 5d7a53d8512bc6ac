import Foundation
import Testing

@testable import TestSupport

@Suite("Sample mail")
struct SampleMailTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples/mail")

    @Test(
        "samples/mail loads with the flags and dates of flags.txt, in both layouts",
        arguments: [DovecotServer.Layout.slash, .dotWithInboxPrefix])
    func loadSamples(layout: DovecotServer.Layout) throws {
        let server = try DovecotServer.start(.init(layout: layout))
        defer { server.stop() }
        #expect(try server.loadSamples(from: Self.samples, user: "alice") == 20)
        let names = Set(try server.folderNames(user: "alice"))
        for folder in [["INBOX"], ["Sent"], ["Archive", "2024"], ["Entwürfe"], ["Old Mail"]] {
            #expect(names.contains(server.folderName(folder)), "\(folder) missing from \(names)")
        }
        let result = try PythonClient.run(
            """
            c = imap_plain()
            out({'messages': fetch_all(c, a['mailbox'])})
            """, PythonClient.arguments(server).merging(["mailbox": server.folderName(["Old Mail"])]) { $1 })
        let messages = try #require(result["messages"] as? [[String: Any]])
        #expect(messages.count == 3)
        #expect(messages.first?["date"] as? Double == 1_573_558_405)  // 2019-11-12T11:33:25Z
        #expect(Set(messages[1]["flags"] as? [String] ?? []).isSuperset(of: ["\\Seen", "\\Deleted"]))
        let body = Data(base64Encoded: messages[2]["bytes"] as? String ?? "") ?? Data()
        #expect(String(decoding: body, as: UTF8.self).contains("Привет, Алиса!\r\n"))
    }

    @Test("Sample mail uses only example domains")
    func fictionalAddresses() throws {
        let files = FileManager.default.enumerator(atPath: Self.samples.path)?.compactMap { $0 as? String } ?? []
        #expect(files.filter { $0.hasSuffix(".eml") }.count == 20)
        let address = try Regex(#"[A-Za-z0-9._%+-]+@([A-Za-z0-9.-]+)"#)
        for file in files where file.hasSuffix(".eml") {
            let text = try String(contentsOf: Self.samples.appendingPathComponent(file), encoding: .utf8)
            for match in text.matches(of: address) {
                let domain = String(text[match.range]).split(separator: "@").last.map(String.init) ?? ""
                #expect(
                    ["example.com", "example.org", "example.net"].contains {
                        domain == $0 || domain.hasSuffix("." + $0)
                    },
                    "\(file): \(domain)")
            }
        }
    }
}
