import Foundation
import Testing

@testable import TestSupport

@Suite("ScriptedIMAPServer")
struct ScriptedIMAPServerTests {
    /// A raw socket client: sends `lines` one at a time after reading, returns everything received until the
    /// server closes (or `timeout` passes) and how the connection ended.
    private static let clientScript = """
        import socket
        s = socket.create_connection(('127.0.0.1', a['port']), timeout=a.get('timeout', 5))
        received = b''
        ended = 'closed'
        try:
            for line in a['lines']:
                received += s.recv(65536)
                s.sendall(line.encode() + b'\\r\\n')
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                received += chunk
        except ConnectionResetError:
            ended = 'reset'
        except socket.timeout:
            ended = 'timeout'
        out({'received': base64.b64encode(received).decode(), 'ended': ended})
        """

    private static func talk(_ server: ScriptedIMAPServer, _ lines: [String], timeout: Double = 5) throws -> (
        String, String
    ) {
        let result = try PythonClient.run(clientScript, ["port": server.port, "lines": lines, "timeout": timeout])
        let bytes = Data(base64Encoded: result["received"] as? String ?? "") ?? Data()
        return (String(decoding: bytes, as: UTF8.self), result["ended"] as? String ?? "")
    }

    @Test("Replies carry the tag the client sent; transcripts record the client's lines")
    func taggedReplies() throws {
        let server = try ScriptedIMAPServer(script: [
            .send("* OK [CAPABILITY IMAP4rev1] scripted\r\n"),
            .readLine, .sendTagged("OK LOGIN done"),
            .readLine, .send("* 1 EXISTS\r\n"), .sendTagged("OK [READ-WRITE] SELECT done"),
            .close,
        ])
        defer { server.stop() }
        let (received, ended) = try Self.talk(server, ["x1 LOGIN a b", "x2 SELECT INBOX"])
        let expected = [
            "* OK [CAPABILITY IMAP4rev1] scripted", "x1 OK LOGIN done", "* 1 EXISTS", "x2 OK [READ-WRITE] SELECT done",
        ]
        #expect(received == expected.map { $0 + "\r\n" }.joined())
        #expect(ended == "closed")
        #expect(server.transcripts == [["x1 LOGIN a b", "x2 SELECT INBOX"]])
    }

    @Test("A literal that stops mid-way, then a reset")
    func dropMidLiteral() throws {
        let server = try ScriptedIMAPServer(script: [
            .send("* OK ready\r\n"), .readLine,
            .send("* 1 FETCH (UID 7 BODY[] {1000}\r\nFrom: a@example.com\r\n"), .reset,
        ])
        defer { server.stop() }
        let (received, ended) = try Self.talk(server, ["a UID FETCH 7 BODY.PEEK[]"])
        #expect(received.hasSuffix("{1000}\r\nFrom: a@example.com\r\n") || ended == "reset")
        #expect(ended == "reset")
    }

    @Test("A hanging connection stays silent until stop()")
    func hangUntilStopped() throws {
        let server = try ScriptedIMAPServer(script: [
            .send("* OK ready\r\n"), .readLine, .send("* BYE going\r\n"), .hang,
        ])
        let (received, ended) = try Self.talk(server, ["a NOOP"], timeout: 1)
        #expect(received == "* OK ready\r\n* BYE going\r\n")
        #expect(ended == "timeout")
        server.stop()
        #expect(!LoopbackPorts.accepts(server.port))
    }

    @Test("Each connection may play its own script; raw bytes go out unchanged")
    func perConnectionScripts() throws {
        let server = try ScriptedIMAPServer(scripts: { index in
            index == 0
                ? [.sendBytes([0x2A, 0x20, 0xFF, 0x00, 0x0D, 0x0A]), .close]
                : [.send("* OK second\r\n"), .sleep(0.1), .close]
        })
        defer { server.stop() }
        let first = try Self.talk(server, [])
        #expect(Array(first.0.utf8.prefix(2)) == [0x2A, 0x20])
        let second = try Self.talk(server, [])
        #expect(second.0 == "* OK second\r\n")
        #expect(server.connectionCount == 2)
    }
}
