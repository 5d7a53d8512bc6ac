import Foundation
import Testing

@testable import TestSupport

@Suite("Delivery, folders and doveadm control")
struct DeliveryTests {
    private static let fetchScript = """
        c = imap_plain()
        out({'messages': fetch_all(c, a['mailbox'])})
        """

    private static func fetch(_ server: DovecotServer, _ mailbox: String) throws -> [[String: Any]] {
        var arguments = PythonClient.arguments(server)
        arguments["mailbox"] = mailbox
        return try #require(try PythonClient.run(fetchScript, arguments)["messages"] as? [[String: Any]])
    }

    /// Compares what Python fetched with what was delivered: served bytes, flags, INTERNALDATE, UID order.
    private static func expectSame(_ fetched: [[String: Any]], _ delivered: [CorpusMessage]) throws {
        try #require(fetched.count == delivered.count)
        let uids = fetched.compactMap { $0["uid"] as? Int }
        #expect(uids == uids.sorted())
        for (got, sent) in zip(fetched, delivered) {
            let bytes = try #require(Data(base64Encoded: got["bytes"] as? String ?? ""))
            #expect(Array(bytes) == sent.servedBytes, "bytes differ for \(sent.header("Subject") ?? "?")")
            let flags = Set((got["flags"] as? [String] ?? []).filter { $0 != "\\Recent" })
            #expect(flags == Set(sent.flags))
            #expect(got["date"] as? Double == sent.internalDate.timeIntervalSince1970)
        }
    }

    @Test("Delivered messages come back with their bytes, flags, keywords and INTERNALDATE")
    func deliverAndFetch() throws {
        let server = try DovecotServer.start()
        defer { server.stop() }
        var generator = CorpusGenerator(seed: 42)
        var nul = generator.plainText(subject: "Contains a NUL", bodySize: 300, flags: ["\\Draft"])
        nul.bytes += [0x61, 0x00, 0x62, 0x0D, 0x0A]
        let messages =
            [
                generator.plainText(flags: []),
                generator.alternative(flags: ["\\Seen", "\\Answered"]),
                generator.encodedWords(flags: ["\\Seen", "$Forwarded"]),
                generator.raw8BitHeaders(flags: ["\\Flagged", "NonJunk", "$Label1"]),
                generator.bareLineFeeds(flags: ["\\Deleted"]),
                generator.withoutMessageID(flags: ["\\Seen", "\\Answered", "\\Flagged", "\\Draft", "Custom_Keyword"]),
                generator.withAttachment(attachmentSize: 300_000, flags: ["\\Seen"]),
                nul,
            ] + (0..<25).map { _ in generator.plainText() }
        #expect(try server.deliver(user: "alice", folder: "INBOX", messages: messages) == messages.count)
        try Self.expectSame(try Self.fetch(server, "INBOX"), messages)

        // A second batch lands after the first, keywords keep their letters.
        let more = [generator.plainText(flags: ["NonJunk"]), generator.plainText(flags: ["$Forwarded", "Another"])]
        try server.deliver(user: "alice", folder: "INBOX", messages: more)
        try Self.expectSame(try Self.fetch(server, "INBOX"), messages + more)

        let nested = "Входящие/Архив"
        let few = [generator.encodedWords(), generator.plainText()]
        try server.deliver(user: "bob", folder: nested, messages: few)
        var bob = PythonClient.arguments(server, user: "bob", password: "bob-pass")
        bob["mailbox"] = nested
        let fetched = try #require(try PythonClient.run(Self.fetchScript, bob)["messages"] as? [[String: Any]])
        try Self.expectSame(fetched, few)
    }

    @Test("What servedBytes predicts is what Dovecot serves: bare LF becomes CRLF, NUL becomes 0x80")
    func servedBytesNormalisation() {
        let message = CorpusMessage(bytes: Array("a\nb\r\nc\0d\n".utf8), internalDate: Date())
        #expect(message.servedBytes == Array("a\r\nb\r\nc".utf8) + [0x80] + Array("d\r\n".utf8))
    }

    @Test("Nested, non-ASCII, spaced, & and hostile folder names are created and listed")
    func folderNamesSlashLayout() throws {
        let server = try DovecotServer.start()
        defer { server.stop() }
        let names = Corpus.folders.map(server.folderName) + Corpus.hostileFolderNames
        for name in names {
            try server.createFolder(user: "alice", name: name)
        }
        try server.createFolder(user: "alice", name: "Old Mail")
        let listed = Set(try server.folderNames(user: "alice"))
        for name in names {
            #expect(listed.contains(name), "\(name) not in \(listed.sorted())")
        }
        let result = try PythonClient.run(
            """
            c = imap_plain()
            typ, lines = c.list()
            typ2, special = c.list('""', '*')
            out({'list': [l.decode() for l in lines], 'namespace': c.namespace()[1][0].decode()})
            """, PythonClient.arguments(server))
        let lines = try #require(result["list"] as? [String])
        for expected in [
            #"(\HasNoChildren) "/" Projects/2024/Q1"#, #"(\HasNoChildren) "/" Entw&APw-rfe"#,
            #"(\HasNoChildren) "/" "Old Mail""#, #"(\HasNoChildren) "/" R&-D"#,
            #"(\HasNoChildren \Sent) "/" Sent"#, #"(\HasNoChildren) "/" Archive/2024"#,
            #"(\HasNoChildren) "/" &BBIERQQ+BDQETwRJBDgENQ-/&BBAEQARFBDgEMg-"#,
        ] {
            #expect(lines.contains(expected), "\(expected) not in \(lines)")
        }
        #expect(lines.contains { $0.hasPrefix(#"(\HasChildren \Archive) "/" Archive"#) })
        #expect(lines.contains { $0.contains(#"\Junk"#) && $0.hasSuffix(" Junk") })
        #expect(result["namespace"] as? String == #"(("" "/")) NIL NIL"#)
    }

    @Test("The dot layout shows the INBOX. prefix and the . delimiter")
    func dotLayout() throws {
        let server = try DovecotServer.start(.init(layout: .dotWithInboxPrefix))
        defer { server.stop() }
        #expect(server.folderName(["Projects", "2024", "Q1"]) == "INBOX.Projects.2024.Q1")
        #expect(server.folderName(["INBOX"]) == "INBOX")
        #expect(server.hierarchyDelimiter == ".")
        var generator = CorpusGenerator(seed: 7)
        let messages = [generator.plainText(flags: ["\\Seen", "NonJunk"]), generator.encodedWords()]
        try server.deliver(user: "alice", folder: "INBOX.Entwürfe", messages: messages)
        try server.deliver(user: "alice", folder: "INBOX", messages: [generator.plainText()])
        try server.createFolder(user: "alice", name: server.folderName(["Sent"]))
        try server.createFolder(user: "alice", name: server.folderName(["Projects", "2024", "Q1"]))
        let result = try PythonClient.run(
            """
            c = imap_plain()
            typ, lines = c.list()
            out({'list': [l.decode() for l in lines], 'namespace': c.namespace()[1][0].decode(),
                 'messages': fetch_all(c, 'INBOX.Entwürfe')})
            """, PythonClient.arguments(server))
        let lines = try #require(result["list"] as? [String])
        #expect(result["namespace"] as? String == #"(("INBOX." ".")) NIL NIL"#)
        #expect(lines.contains(#"(\HasNoChildren) "." INBOX.Entw&APw-rfe"#), "\(lines)")
        #expect(lines.contains(#"(\HasNoChildren \Sent) "." INBOX.Sent"#), "\(lines)")
        #expect(lines.contains(#"(\HasNoChildren) "." INBOX.Projects.2024.Q1"#), "\(lines)")
        #expect(lines.contains { $0.hasPrefix(#"(\HasChildren) "." INBOX"#) })
        try Self.expectSame(try #require(result["messages"] as? [[String: Any]]), messages)
    }

    @Test("doveadm expunges, changes flags, and a recreated folder gets a new UIDVALIDITY")
    func doveadmControl() throws {
        let server = try DovecotServer.start()
        defer { server.stop() }
        var generator = CorpusGenerator(seed: 3)
        let messages = (0..<5).map { _ in generator.plainText(flags: []) }
        try server.deliver(user: "alice", folder: "Work", messages: messages)
        let before = try server.status(user: "alice", folder: "Work")
        #expect(before["messages"] == "5")
        #expect(before["uidnext"] == "6")

        try server.doveadm(["expunge", "-u", "alice", "mailbox", "Work", "uid", "2"])
        try server.doveadm(["flags", "add", "-u", "alice", "\\Flagged $Forwarded", "mailbox", "Work", "uid", "3"])
        let fetched = try Self.fetch(server, "Work")
        #expect(fetched.compactMap { $0["uid"] as? Int } == [1, 3, 4, 5])
        #expect(Set(fetched[1]["flags"] as? [String] ?? []).isSuperset(of: ["\\Flagged", "$Forwarded"]))
        let after = try server.status(user: "alice", folder: "Work")
        #expect(Int(after["highestmodseq"] ?? "0")! > Int(before["highestmodseq"] ?? "0")!)

        try server.deleteFolder(user: "alice", name: "Work")
        #expect(!(try server.folderNames(user: "alice")).contains("Work"))
        try server.deliver(user: "alice", folder: "Work", messages: [generator.plainText()])
        let recreated = try server.status(user: "alice", folder: "Work")
        #expect(recreated["uidvalidity"] != before["uidvalidity"])
        #expect(recreated["messages"] == "1")
    }

    @Test("POP3 RETR serves the delivered INBOX")
    func pop3Retrieve() throws {
        let server = try DovecotServer.start()
        defer { server.stop() }
        var generator = CorpusGenerator(seed: 9)
        let messages = [
            generator.plainText(), generator.bareLineFeeds(), generator.withAttachment(attachmentSize: 50_000),
        ]
        try server.deliver(user: "alice", folder: "INBOX", messages: messages)
        let result = try PythonClient.run(
            """
            p = poplib.POP3_SSL('localhost', a['pop3s'], context=tls(), timeout=20)
            p.user(a['user']); p.pass_(a['password'])
            count, size = p.stat()
            bodies = []
            for i in range(1, count + 1):
                resp, lines, octets = p.retr(i)
                bodies.append(base64.b64encode(b'\\r\\n'.join(lines) + b'\\r\\n').decode())
            uidl = [u.decode() for u in p.uidl()[1]]
            p.quit()
            out({'bodies': bodies, 'uidl': uidl})
            """, PythonClient.arguments(server))
        let bodies = try #require(result["bodies"] as? [String]).compactMap { Data(base64Encoded: $0) }
        #expect(bodies.map { Array($0) } == messages.map(\.servedBytes))
        #expect((result["uidl"] as? [String])?.count == 3)
    }

    @Test("An unsupported flag is refused")
    func unsupportedFlag() throws {
        let server = try DovecotServer.start()
        defer { server.stop() }
        let message = CorpusMessage("Subject: x\r\n\r\nx\r\n", flags: ["\\Recent"], internalDate: Date())
        #expect(throws: DovecotServerError.self) {
            try server.deliver(user: "alice", folder: "INBOX", messages: [message])
        }
    }
}
