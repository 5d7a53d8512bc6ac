import NIOCore

/// Builds the parts of one command: bytes, split wherever a synchronizing literal makes the client
/// wait for the server's `+` (RFC 9051 §4.3, §7.5).
struct CommandWriter {
    let encoder: CommandEncoder
    private(set) var parts: [CommandPart] = []
    private var current = ByteBuffer()

    init(encoder: CommandEncoder) {
        self.encoder = encoder
    }

    mutating func write(_ text: String) { current.writeString(text) }

    mutating func space() { current.writeInteger(ASCII.space) }

    /// astring = 1*ASTRING-CHAR / string
    mutating func astring(_ bytes: [UInt8]) {
        if !bytes.isEmpty, bytes.allSatisfy(ASCII.isAStringChar) {
            current.writeBytes(bytes)
        } else {
            string(bytes)
        }
    }

    mutating func astring(_ text: String) { astring(Array(text.utf8)) }

    mutating func mailbox(_ name: MailboxName) { astring(name.bytes) }

    /// string = quoted / literal: quoted unless the bytes cannot be (CR, LF, NUL; 8-bit without
    /// UTF8=ACCEPT).
    mutating func string(_ bytes: [UInt8]) {
        let quotable = bytes.allSatisfy { byte in
            switch byte {
            case 0, ASCII.cr, ASCII.lf: false
            case 0x80...: encoder.utf8Accept
            default: true
            }
        }
        guard quotable else {
            literal(bytes)
            return
        }
        current.writeInteger(ASCII.quote)
        for byte in bytes {
            if byte == ASCII.quote || byte == ASCII.backslash { current.writeInteger(ASCII.backslash) }
            current.writeInteger(byte)
        }
        current.writeInteger(ASCII.quote)
    }

    mutating func string(_ text: String) { string(Array(text.utf8)) }

    mutating func literal(_ bytes: [UInt8]) {
        literalHeader(size: bytes.count)
        current.writeBytes(bytes)
    }

    /// `{n}` CRLF and a wait for the continuation, or `{n+}` CRLF when LITERAL+ (any size) or
    /// LITERAL- (up to 4096 bytes) lets the client go on (RFC 7888).
    mutating func literalHeader(size: Int) {
        if encoder.literalPlus || (encoder.literalMinus && size <= 4096) {
            write("{\(size)+}\r\n")
        } else {
            write("{\(size)}\r\n")
            flush()
            parts.append(.awaitContinuation)
        }
    }

    /// "(" item *(SP item) ")"
    mutating func list<T>(_ items: [T], _ writeItem: (inout CommandWriter, T) -> Void) {
        write("(")
        for (index, item) in items.enumerated() {
            if index > 0 { space() }
            writeItem(&self, item)
        }
        write(")")
    }

    mutating func flags(_ flags: [Flag]) {
        list(flags) { writer, flag in writer.write(flag.name) }
    }

    private mutating func flush() {
        if current.readableBytes > 0 { parts.append(.bytes(current)) }
        current = ByteBuffer()
    }

    /// The parts, the last one ended with CRLF unless `lineEnd` is false.
    mutating func finish(lineEnd: Bool = true) -> [CommandPart] {
        if lineEnd { write("\r\n") }
        flush()
        return parts
    }
}

extension CommandWriter {
    /// Writes `command` and returns its parts.
    mutating func encode(_ command: Command, tag: Tag) -> [CommandPart] {
        write(tag.value)
        space()
        switch command {
        case .capability: write("CAPABILITY")
        case .noop: write("NOOP")
        case .logout: write("LOGOUT")
        case .starttls: write("STARTTLS")
        case .namespace: write("NAMESPACE")
        case .expunge: write("EXPUNGE")
        case .close: write("CLOSE")
        case .unselect: write("UNSELECT")
        case .idle: write("IDLE")
        case .login(let user, let password):
            write("LOGIN ")
            astring(user)
            space()
            astring(password)
        case .authenticate(let mechanism, let initialResponse):
            // authenticate = "AUTHENTICATE" SP auth-type [SP (base64 / "=")]    (RFC 4959)
            write("AUTHENTICATE \(mechanism)")
            if let initialResponse { write(" " + (initialResponse.isEmpty ? "=" : initialResponse)) }
        case .id(let parameters):
            write("ID ")
            if parameters.isEmpty {
                write("NIL")
            } else {
                list(parameters) { writer, parameter in
                    writer.string(parameter.0)
                    writer.space()
                    writer.string(parameter.1)
                }
            }
        case .enable(let capabilities):
            write("ENABLE")
            for capability in capabilities { write(" " + capability) }
        case .list(let reference, let pattern, let returning):
            write("LIST ")
            mailbox(reference)
            space()
            mailbox(pattern)
            if !returning.isEmpty { listReturn(returning) }
        case .status(let name, let items):
            write("STATUS ")
            mailbox(name)
            space()
            list(items) { writer, item in writer.write(item.rawValue) }
        case .examine(let name, let condstore):
            write("EXAMINE ")
            mailbox(name)
            if condstore { write(" (CONDSTORE)") }
        case .select(let name, let condstore):
            write("SELECT ")
            mailbox(name)
            if condstore { write(" (CONDSTORE)") }
        case .create(let name):
            write("CREATE ")
            mailbox(name)
        case .delete(let name):
            write("DELETE ")
            mailbox(name)
        case .subscribe(let name):
            write("SUBSCRIBE ")
            mailbox(name)
        case .uidSearch(let criteria):
            write("UID SEARCH \(criteria)")
        case .uidFetch(let set, let items, let changedSince):
            write("UID FETCH \(set) ")
            list(items) { writer, item in writer.fetchItem(item) }
            if let changedSince { write(" (CHANGEDSINCE \(changedSince))") }
        case .uidStore(let set, let operation, let flags):
            write("UID STORE \(set) \(operation) ")
            self.flags(flags)
        case .append(let name, let flags, let date, let size):
            // append = "APPEND" SP mailbox 1*append-message    (RFC 3502)
            write("APPEND ")
            mailbox(name)
            return appendMessage(flags: flags, date: date, size: size)
        }
        return finish()
    }

    /// append-message = append-opts SP append-data; append-opts = [SP flag-list] [SP date-time]   (RFC 3502)
    /// The parts end right after the literal's `{size}` line, as for `.append`.
    mutating func appendMessage(flags: [Flag], date: InternalDate?, size: Int) -> [CommandPart] {
        if !flags.isEmpty {
            space()
            self.flags(flags)
        }
        if let date { write(" \"\(date)\"") }
        space()
        literalHeader(size: size)
        return finish(lineEnd: false)
    }

    /// list-return-opts = "RETURN" SP "(" [return-option *(SP return-option)] ")"   (RFC 5258, 5819, 6154)
    private mutating func listReturn(_ options: ListReturnOptions) {
        var names: [String] = []
        if options.subscribed { names.append("SUBSCRIBED") }
        if options.children { names.append("CHILDREN") }
        if options.specialUse { names.append("SPECIAL-USE") }
        write(" RETURN (")
        write(names.joined(separator: " "))
        if !options.status.isEmpty {
            if !names.isEmpty { space() }
            write("STATUS ")
            list(options.status) { writer, item in writer.write(item.rawValue) }
        }
        write(")")
    }

    /// fetch-att = "UID" / "FLAGS" / "INTERNALDATE" / "RFC822.SIZE" / "MODSEQ" /
    ///             "BODY.PEEK" section [partial] / ...      partial = "<" number "." nz-number ">"
    private mutating func fetchItem(_ item: FetchItem) {
        switch item {
        case .uid: write("UID")
        case .flags: write("FLAGS")
        case .internalDate: write("INTERNALDATE")
        case .rfc822Size: write("RFC822.SIZE")
        case .modSeq: write("MODSEQ")
        case .bodyPeek(let section, let partial):
            write("BODY.PEEK[\(section)]")
            if let partial {
                let count = UInt64(partial.upperBound) - UInt64(partial.lowerBound) + 1
                write("<\(partial.lowerBound).\(count)>")
            }
        case .raw(let text): write(text)
        }
    }
}
