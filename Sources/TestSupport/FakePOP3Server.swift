import Foundation

/// A small POP3 server on 127.0.0.1 whose maildrop a test controls: UIDLs may be missing, repeated or
/// reused, messages may be inserted anywhere, UIDL, TOP and CAPA may be switched off. Any user and
/// password log in. DELE takes effect at QUIT, as RFC 1939 says; a connection closed without QUIT
/// deletes nothing. A retrieval may be made to stall halfway. Plain TCP, on top of `ScriptedIMAPServer`.
public final class FakePOP3Server: Sendable {
    public struct Message: Sendable, Hashable {
        public var uidl: String?
        public var bytes: [UInt8]
        /// Tells apart equal messages when QUIT removes one of them.
        let serial: UInt64

        public init(uidl: String?, bytes: [UInt8]) {
            self.uidl = uidl
            self.bytes = bytes
            serial = FakePOP3Server.serials.withLock { value in
                value += 1
                return value
            }
        }
    }

    public struct Options: Sendable {
        public var uidl = true
        public var top = true
        public var capa = true
        public init(uidl: Bool = true, top: Bool = true, capa: Bool = true) {
            self.uidl = uidl
            self.top = top
            self.capa = capa
        }
    }

    static let serials = LockedBox(UInt64(0))
    let maildrop: LockedBox<[Message]>
    /// The message number whose next RETR stalls, if armed.
    let stall: LockedBox<Int?>
    let server: ScriptedIMAPServer
    public var host: String { server.host }
    public var port: Int { server.port }

    public init(messages: [Message] = [], options: Options = Options()) throws {
        let maildrop = LockedBox(messages)
        self.maildrop = maildrop
        let stall = LockedBox<Int?>(nil)
        self.stall = stall
        server = try ScriptedIMAPServer { _ in
            let session = FakePOP3Session(maildrop: maildrop, options: options, stall: stall)
            return [.send("+OK fake POP3 ready\r\n"), .respond { session.answer($0) }]
        }
    }

    /// The maildrop as it is now (after the QUITs so far).
    public var messages: [Message] {
        get { maildrop.withLock { $0 } }
        set { maildrop.withLock { $0 = newValue } }
    }

    /// The next `RETR number` (of whichever connection) sends `+OK` and half the message, then the
    /// connection reads on and answers nothing more: a server stalled mid-message.
    public func stallNextRetrieval(of number: Int) { stall.withLock { $0 = number } }

    /// Lines each connection sent.
    public var transcripts: [[String]] { server.transcripts }

    public func stop() { server.stop() }
}

/// One connection's view: the maildrop as it was at login, and the messages marked for deletion.
final class FakePOP3Session: Sendable {
    struct State {
        var snapshot: [FakePOP3Server.Message] = []
        var deleted: Set<Int> = []
        var stalled = false
    }

    let maildrop: LockedBox<[FakePOP3Server.Message]>
    let options: FakePOP3Server.Options
    let stall: LockedBox<Int?>
    let state = LockedBox(State())

    init(maildrop: LockedBox<[FakePOP3Server.Message]>, options: FakePOP3Server.Options, stall: LockedBox<Int?>) {
        self.maildrop = maildrop
        self.options = options
        self.stall = stall
    }

    func answer(_ line: String) -> [UInt8]? {
        let words = line.split(separator: " ").map(String.init)
        let command = words.first?.uppercased() ?? ""
        let number = words.count > 1 ? Int(words[1]) : nil
        return state.withLock { state -> [UInt8]? in
            guard !state.stalled else { return [] }
            func message(_ number: Int?) -> FakePOP3Server.Message? {
                guard let number, number >= 1, number <= state.snapshot.count, !state.deleted.contains(number) else {
                    return nil
                }
                return state.snapshot[number - 1]
            }
            let live = (1...max(1, state.snapshot.count)).filter { $0 <= state.snapshot.count && !state.deleted.contains($0) }
            switch command {
            case "CAPA":
                guard options.capa else { return Self.text("-ERR unknown command") }
                let names = ["USER"] + (options.uidl ? ["UIDL"] : []) + (options.top ? ["TOP"] : []) + ["PIPELINING"]
                return Self.text("+OK", lines: names)
            case "USER": return Self.text("+OK")
            case "PASS":
                state.snapshot = maildrop.withLock { $0 }
                return Self.text("+OK \(state.snapshot.count) messages")
            case "STAT":
                return Self.text("+OK \(live.count) \(live.reduce(0) { $0 + state.snapshot[$1 - 1].bytes.count })")
            case "LIST":
                return Self.text("+OK", lines: live.map { "\($0) \(state.snapshot[$0 - 1].bytes.count)" })
            case "UIDL":
                guard options.uidl else { return Self.text("-ERR no UIDL here") }
                return Self.text("+OK", lines: live.map { "\($0) \(state.snapshot[$0 - 1].uidl ?? "n\($0)")" })
            case "RETR", "TOP":
                guard let found = message(number) else { return Self.text("-ERR no such message") }
                guard command == "RETR" || options.top else { return Self.text("-ERR no TOP here") }
                var bytes = found.bytes
                if command == "TOP", let end = Self.headerEnd(bytes) { bytes = Array(bytes[..<end]) }
                let stalls = stall.withLock { armed in
                    guard command == "RETR", armed == number else { return false }
                    armed = nil
                    return true
                }
                if stalls {
                    state.stalled = true
                    let stuffed = Self.stuffed(bytes)
                    return Array("+OK\r\n".utf8) + stuffed.prefix(stuffed.count / 2)
                }
                return Array("+OK\r\n".utf8) + Self.stuffed(bytes) + Array(".\r\n".utf8)
            case "DELE":
                guard message(number) != nil, let number else { return Self.text("-ERR no such message") }
                state.deleted.insert(number)
                return Self.text("+OK")
            case "RSET":
                state.deleted = []
                return Self.text("+OK")
            case "NOOP": return Self.text("+OK")
            case "QUIT":
                let gone = Set(state.deleted.map { state.snapshot[$0 - 1].serial })
                maildrop.withLock { $0.removeAll { gone.contains($0.serial) } }
                state.deleted = []
                return Self.text("+OK bye")
            default:
                return Self.text("-ERR unknown command")
            }
        }
    }

    static func text(_ status: String, lines: [String]? = nil) -> [UInt8] {
        guard let lines else { return Array((status + "\r\n").utf8) }
        return Array((([status] + lines + ["."]).joined(separator: "\r\n") + "\r\n").utf8)
    }

    /// The offset just past the blank line ending the header, if there is one.
    static func headerEnd(_ bytes: [UInt8]) -> Int? {
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == 0x0A, bytes[index + 1] == 0x0A { return index + 2 }
            if bytes[index] == 0x0A, index + 2 < bytes.count, bytes[index + 1] == 0x0D, bytes[index + 2] == 0x0A {
                return index + 3
            }
            index += 1
        }
        return nil
    }

    /// RFC 1939 §3 byte-stuffing, with a final CRLF when the message lacks one.
    static func stuffed(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var lineStart = true
        for byte in bytes {
            if lineStart, byte == 0x2E { out.append(0x2E) }
            out.append(byte)
            lineStart = byte == 0x0A
        }
        if !lineStart { out += [0x0D, 0x0A] }
        return out
    }
}
