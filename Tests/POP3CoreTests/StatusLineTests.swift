import NIOCore
import Testing

@testable import POP3Core

/// Status lines as servers really write them: table in, value out.
struct StatusLineTests {
    static let accepted: [(String, POP3Response)] = [
        ("+OK", .ok(code: nil, text: "")),
        ("+OK POP3 ready <1896.697170952@dbc.mtview.ca.us>", .ok(code: nil, text: "POP3 ready <1896.697170952@dbc.mtview.ca.us>")),
        ("+ok lowercase server", .ok(code: nil, text: "lowercase server")),
        ("+OK    extra   spaces  ", .ok(code: nil, text: "extra   spaces")),
        ("+OK\tTabbed", .ok(code: nil, text: "Tabbed")),
        ("-ERR [IN-USE] Mailbox locked by another session", .err(code: "IN-USE", text: "Mailbox locked by another session")),
        ("-err [auth] Authentication failed.", .err(code: "AUTH", text: "Authentication failed.")),
        ("-ERR[SYS/TEMP] glued code", .err(code: "SYS/TEMP", text: "glued code")),
        ("-ERR", .err(code: nil, text: "")),
        ("-ERR [unclosed code", .err(code: nil, text: "[unclosed code")),
        ("+OK 2 320", .ok(code: nil, text: "2 320")),
        ("+ ", .continuation("")),
        ("+", .continuation("")),
        ("+ eyJzdGF0dXMiOiI0MDEifQ==", .continuation("eyJzdGF0dXMiOiI0MDEifQ==")),
    ]

    @Test(arguments: accepted)
    func parses(_ line: String, _ expected: POP3Response) throws {
        #expect(try POP3Response.parse(ByteBuffer(string: line)) == expected)
    }

    static let refused = ["", "OK fine", "+OKAY", "-ERROR", "* OK imap here", "250 smtp", "+OKthen", "\u{0}+OK", "-"]

    @Test(arguments: refused)
    func refusesGarbage(_ line: String) {
        #expect(throws: POP3ParseError.self) { try POP3Response.parse(ByteBuffer(string: line)) }
    }

    @Test func errorsShowAnExcerptNotTheWholeLine() {
        let line = String(repeating: "x", count: 5000) + "\u{1}"
        #expect {
            try POP3Response.parse(ByteBuffer(string: line))
        } throws: { error in
            guard case .invalidStatus(let excerpt) = error as? POP3ParseError else { return false }
            return excerpt.count <= 83
        }
    }
}

/// Lines cut from a byte stream, fed all at once and a byte at a time.
struct LineFramerTests {
    @Test func cutsCRLFAndBareLF() throws {
        var buffer = ByteBuffer(string: "+OK one\r\n+OK two\n+OK thr")
        let framer = LineFramer()
        #expect(try framer.nextLine(&buffer) == ByteBuffer(string: "+OK one"))
        #expect(try framer.nextLine(&buffer) == ByteBuffer(string: "+OK two"))
        #expect(try framer.nextLine(&buffer) == nil)
        #expect(buffer.readableBytes == 7, "an incomplete line stays in the buffer")
    }

    @Test func dripFed() throws {
        let input = Array("+OK a\r\n1 100\r\n\r\n.\r\n".utf8)
        var buffer = ByteBuffer()
        var lines: [String] = []
        let framer = LineFramer()
        for byte in input {
            buffer.writeInteger(byte)
            while let line = try framer.nextLine(&buffer) { lines.append(String(buffer: line)) }
        }
        #expect(lines == ["+OK a", "1 100", "", "."])
    }

    @Test func endlessLineIsRefusedEarly() throws {
        var buffer = ByteBuffer(repeating: 0x41, count: 10_000)
        #expect(throws: POP3ParseError.self) { try LineFramer(maximumLineLength: 1024).nextLine(&buffer) }
        var exact = ByteBuffer(string: String(repeating: "a", count: 1024) + "\r\n")
        #expect(try LineFramer(maximumLineLength: 1024).nextLine(&exact)?.readableBytes == 1024)
    }

    @Test func multilineLinesAreUnstuffed() {
        #expect(MultilineLine(ByteBuffer(string: ".")) == .end)
        #expect(MultilineLine(ByteBuffer(string: "..")) == .line(ByteBuffer(string: ".")))
        #expect(MultilineLine(ByteBuffer(string: "..x")) == .line(ByteBuffer(string: ".x")))
        #expect(MultilineLine(ByteBuffer(string: ".x")) == .line(ByteBuffer(string: ".x")))
        #expect(MultilineLine(ByteBuffer(string: "1 abc")) == .line(ByteBuffer(string: "1 abc")))
    }
}
