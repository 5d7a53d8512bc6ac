import NIOCore
import TestSupport
import Testing

@testable import POP3Core

/// LIST, UIDL, STAT and CAPA answers, and garbage in each.
struct ListingTests {
    @Test func scanListings() throws {
        #expect(try ScanListing.parse(ByteBuffer(string: "1 120")) == ScanListing(number: 1, size: 120))
        #expect(try ScanListing.parse(ByteBuffer(string: "  7   4096  extra info")) == ScanListing(number: 7, size: 4096))
        for bad in ["", "1", "x 12", "1 -5", "0 10", "1 12x", "99999999999999999999 1", "1 1e3"] {
            #expect(throws: POP3ParseError.self, "\(bad)") { try ScanListing.parse(ByteBuffer(string: bad)) }
        }
    }

    @Test func uniqueIDListings() throws {
        #expect(try UniqueIDListing.parse(ByteBuffer(string: "1 whqtswO00WBw418f9t5JxYwZ")).uid == "whqtswO00WBw418f9t5JxYwZ")
        #expect(try UniqueIDListing.parse(ByteBuffer(string: "2  QhdPYR:00WBw1Ph7x7 ")).uid == "QhdPYR:00WBw1Ph7x7")
        // Bytes outside printable ASCII and "%" are escaped, so two ids never collapse into one.
        var odd = ByteBuffer(string: "3 a")
        odd.writeBytes([0xC3, 0xA9, 0x25])
        #expect(try UniqueIDListing.parse(odd).uid == "a%C3%A9%25")
        #expect(try UniqueIDListing.parse(ByteBuffer(string: "4 a%25")).uid == "a%2525")
        for bad in ["", "1", "x abc", "0 abc", "1 " + String(repeating: "u", count: 600)] {
            #expect(throws: POP3ParseError.self) { try UniqueIDListing.parse(ByteBuffer(string: bad)) }
        }
    }

    @Test func dropListing() throws {
        #expect(try DropListing.parse("2 320") == DropListing(count: 2, size: 320))
        #expect(try DropListing.parse("2 320 messages") == DropListing(count: 2, size: 320))
        #expect(throws: POP3ParseError.self) { try DropListing.parse("mailbox has 2 messages") }
    }

    @Test func capabilities() {
        let lines = ["CAPA", "top", "UIDL", "RESP-CODES", "PIPELINING", "SASL PLAIN xoauth2", "", "STLS", "USER"]
        let capabilities = POP3Capabilities(lines: lines.map { ByteBuffer(string: $0) })
        #expect(capabilities.contains("TOP"))
        #expect(capabilities.contains("pipelining"))
        #expect(capabilities.saslMechanisms == ["PLAIN", "XOAUTH2"])
        #expect(!capabilities.contains("APOP"))
    }
}

/// Commands on the wire; arguments that would inject a second command are refused.
struct CommandTests {
    static let encoded: [(POP3Command, String)] = [
        (.capa, "CAPA\r\n"), (.stls, "STLS\r\n"), (.user("alice"), "USER alice\r\n"),
        (.pass("two words"), "PASS two words\r\n"), (.apop(user: "mrose", digest: "c4c9"), "APOP mrose c4c9\r\n"),
        (.auth(mechanism: "PLAIN", initialResponse: nil), "AUTH PLAIN\r\n"),
        (.auth(mechanism: "PLAIN", initialResponse: ""), "AUTH PLAIN =\r\n"),
        (.auth(mechanism: "PLAIN", initialResponse: "AGFsaWNl"), "AUTH PLAIN AGFsaWNl\r\n"),
        (.saslResponse("*"), "*\r\n"), (.stat, "STAT\r\n"), (.list(nil), "LIST\r\n"), (.list(3), "LIST 3\r\n"),
        (.uidl(nil), "UIDL\r\n"), (.retr(12), "RETR 12\r\n"), (.top(2, lines: 0), "TOP 2 0\r\n"),
        (.dele(5), "DELE 5\r\n"), (.rset, "RSET\r\n"), (.noop, "NOOP\r\n"), (.quit, "QUIT\r\n"),
    ]

    @Test(arguments: encoded)
    func encodes(_ command: POP3Command, _ wire: String) throws {
        #expect(String(buffer: try command.encode()) == wire)
    }

    static let injections: [POP3Command] = [
        .user("alice\r\nDELE 1"), .user("al ice"), .user(""), .pass("pw\nQUIT"), .pass("pw\u{0}"),
        .apop(user: "a\rb", digest: "d"), .auth(mechanism: "PLAIN", initialResponse: "x\r\nDELE 1"),
        .saslResponse("abc\r\nDELE 1"),
    ]

    @Test(arguments: injections)
    func refusesLineBreaksInArguments(_ command: POP3Command) {
        #expect(throws: POP3CommandError.self) { try command.encode() }
    }

    @Test func namesNeverCarryArguments() {
        #expect(POP3Command.pass("secret").name == "PASS")
        #expect(POP3Command.auth(mechanism: "PLAIN", initialResponse: "c2VjcmV0").name == "AUTH")
    }

    @Test func multilineAnswers() {
        #expect(POP3Command.list(nil).isMultiline && !POP3Command.list(1).isMultiline)
        #expect(POP3Command.retr(1).isMultiline && POP3Command.capa.isMultiline && !POP3Command.dele(1).isMultiline)
    }
}

/// APOP against RFC 1321's test vectors and RFC 1939's example.
struct APOPTests {
    @Test func md5Vectors() {
        let vectors = [
            ("", "d41d8cd98f00b204e9800998ecf8427e"), ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"), ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            (
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a"
            ),
        ]
        for (input, hex) in vectors {
            #expect(APOPDigest.digest(timestamp: input, secret: "") == hex)
        }
    }

    @Test func rfc1939Example() {
        let greeting = "POP3 server ready <1896.697170952@dbc.mtview.ca.us>"
        let stamp = APOPDigest.timestamp(inGreeting: greeting)
        #expect(stamp == "<1896.697170952@dbc.mtview.ca.us>")
        #expect(APOPDigest.digest(timestamp: stamp!, secret: "tanstaaf") == "c4c9334bac560ecc979e58001b3e22fb")
        #expect(APOPDigest.timestamp(inGreeting: "Dovecot ready.") == nil)
        #expect(APOPDigest.timestamp(inGreeting: "ready <no at sign>") == nil)
    }
}

/// Random bytes never crash a parser: they give a value or a typed error.
struct POP3FuzzTests {
    @Test func garbageGivesTypedErrors() {
        var generator = SeededRandom(seed: 7)
        for _ in 0..<3000 {
            var bytes: [UInt8] = []
            let length = Int(generator.next() % 120)
            let prefixes: [[UInt8]] = [[], Array("+OK ".utf8), Array("-ERR [".utf8), Array("1 ".utf8), Array("+".utf8)]
            bytes += prefixes[Int(generator.next() % UInt64(prefixes.count))]
            for _ in 0..<length { bytes.append(UInt8(truncatingIfNeeded: generator.next())) }
            let line = ByteBuffer(bytes: bytes)
            _ = try? POP3Response.parse(line)
            _ = try? ScanListing.parse(line)
            _ = try? UniqueIDListing.parse(line)
            _ = MultilineLine(line)
            var buffer = line
            _ = try? LineFramer(maximumLineLength: 64).nextLine(&buffer)
            var decoder = MultilineDecoder(chunkLimit: 7)
            var stream = line
            while decoder.next(&stream) != nil {}
        }
    }
}
