import NIOCore

// Whole responses, tagged and untagged, and the response text with its code (RFC 9051 §7.1).
extension ResponseGrammar {
    // response = *(continue-req / response-data) response-done
    // One framed response other than FETCH (which streams, see ResponseGrammar+Fetch).
    func response(_ b: inout ByteBuffer) throws(GrammarError) -> ResponseEvent {
        switch try peek(b) {
        case ASCII.plus: .continuation(try continueRequest(&b))
        case ASCII.star: .untagged(try responseData(&b))
        default: .tagged(try responseTagged(&b))
        }
    }

    // continue-req = "+" SP (resp-text / base64) CRLF
    // Lenient: no SP, and no text. The text is kept raw: it is base64 for SASL challenges.
    func continueRequest(_ b: inout ByteBuffer) throws(GrammarError) -> String {
        try expect(ASCII.plus, &b, "continue-req")
        if try peek(b) == ASCII.space { b.moveReaderIndex(forwardBy: 1) }
        return String(decoding: try restOfLine(&b), as: UTF8.self)
    }

    // response-tagged = tag SP resp-cond-state CRLF
    // resp-cond-state = ("OK" / "NO" / "BAD") SP resp-text
    // Lenient: lowercase status, no text at all.
    func responseTagged(_ b: inout ByteBuffer) throws(GrammarError) -> TaggedResponse {
        let tag = try text(&b, "tag", ASCII.isTagChar)
        try space(&b, "response-tagged")
        let status = try responseStatus(&b)
        return TaggedResponse(tag: Tag(tag), status: status, text: try respText(&b))
    }

    func responseStatus(_ b: inout ByteBuffer) throws(GrammarError) -> ResponseStatus {
        guard let status = ResponseStatus(rawValue: try keyword(&b, "resp-cond-state")) else {
            throw .mismatch(rule: "resp-cond-state")
        }
        return status
    }

    // response-data = "*" SP (resp-cond-state / resp-cond-bye / mailbox-data / message-data /
    //                 capability-data / enable-data / id-response / namespace-response) CRLF
    // message-data = nz-number SP ("EXPUNGE" / ("FETCH" SP msg-att))
    // mailbox-data =/ number SP "EXISTS" / number SP "RECENT"
    func responseData(_ b: inout ByteBuffer) throws(GrammarError) -> UntaggedResponse {
        let line = b
        try expect(ASCII.star, &b, "response-data")
        try space(&b, "response-data")
        if ASCII.isDigit(try peek(b)) {
            let n = try number(&b)
            try space(&b, "message-data")
            let name = try keyword(&b, "message-data")
            let response: UntaggedResponse
            switch name {
            case "EXISTS": response = .exists(n)
            case "RECENT": response = .recent(n)
            case "EXPUNGE": response = .expunge(n)
            default: return unknown(name, line: line, &b)
            }
            try lineEnd(&b)
            return response
        }
        let name = try keyword(&b, "response-data")
        if let status = ResponseStatus(rawValue: name) {
            return .condition(status, try respText(&b))
        }
        let response: UntaggedResponse
        switch name {
        case "CAPABILITY": response = .capability(try atomList(&b))
        case "ENABLED": response = .enabled(try atomList(&b))
        case "LIST": response = .list(try mailboxList(&b))
        case "LSUB": response = .lsub(try mailboxList(&b))
        case "STATUS": response = try status(&b)
        case "FLAGS":
            try space(&b, "FLAGS")
            response = .flags(try flagList(&b))
        case "SEARCH": response = try search(&b)
        case "ESEARCH": response = try esearch(&b)
        case "NAMESPACE": response = .namespace(try namespaceResponse(&b))
        case "ID": response = .id(try idParams(&b))
        case "VANISHED": response = try vanished(&b)
        default: return unknown(name, line: line, &b)
        }
        try lineEnd(&b)
        return response
    }

    /// A response we do not know: its keyword and the whole line (with any literals), as sent.
    func unknown(_ keyword: String, line: ByteBuffer, _ b: inout ByteBuffer) -> UntaggedResponse {
        var bytes = line.readableBytesView[...]
        while let last = bytes.last, last == ASCII.lf || last == ASCII.cr { bytes = bytes.dropLast() }
        b.moveReaderIndex(to: b.writerIndex)
        return .unknown(keyword: keyword, line: String(decoding: bytes, as: UTF8.self))
    }

    // capability-data = "CAPABILITY" *(SP capability) ; enable-data = "ENABLED" *(SP capability)
    // capability = ("AUTH=" auth-type) / atom
    // Also the list inside `[CAPABILITY ...]`, which ends at "]". Kept as sent (not uppercased).
    func atomList(_ b: inout ByteBuffer) throws(GrammarError) -> [String] {
        var atoms: [String] = []
        while true {
            let spaces = skipSpaces(&b)
            let c = try peek(b)
            if c == ASCII.cr || c == ASCII.lf || c == ASCII.closeBracket { return atoms }
            if spaces == 0 { throw .mismatch(rule: "capability") }
            atoms.append(try text(&b, "capability", ASCII.isKeywordChar))
        }
    }

    // resp-text = ["[" resp-text-code "]" SP] [text]
    // Lenient: no SP after "]", no text, an unmatched "[" taken as text.
    func respText(_ b: inout ByteBuffer) throws(GrammarError) -> ResponseText {
        skipSpaces(&b)
        var code: ResponseCode?
        if try peek(b) == ASCII.openBracket {
            code = try optional(&b) { b throws(GrammarError) in try bracketedCode(&b) }
            skipSpaces(&b)
        }
        return ResponseText(code: code, text: String(decoding: try restOfLine(&b), as: UTF8.self))
    }

    // "[" resp-text-code "]"
    // resp-text-code = atom [SP 1*<any TEXT-CHAR except "]">] for those we do not know, and for
    // known ones whose argument does not parse (kept rather than failing the whole line).
    func bracketedCode(_ b: inout ByteBuffer) throws(GrammarError) -> ResponseCode {
        try expect(ASCII.openBracket, &b, "resp-text-code")
        let name = try keyword(&b, "resp-text-code")
        let start = b.readerIndex
        do throws(GrammarError) {
            let code = try knownCode(name, &b)
            skipSpaces(&b)
            try expect(ASCII.closeBracket, &b, "resp-text-code")
            return code
        } catch {
            switch error {
            case .mismatch, .invalid: b.moveReaderIndex(to: start)
            case .incomplete, .limit: throw error
            }
        }
        var argument: String?
        if skipSpaces(&b) > 0 {
            let n = b.withUnsafeReadableBytes { p in
                p.firstIndex { $0 == ASCII.closeBracket || $0 == ASCII.cr || $0 == ASCII.lf }
            }
            guard let n, let raw = b.readString(length: n) else { throw .incomplete }
            argument = raw
        }
        try expect(ASCII.closeBracket, &b, "resp-text-code")
        return .other(name: name, argument: argument)
    }

    // resp-text-code = "ALERT" / "PARSE" / "READ-ONLY" / "READ-WRITE" / "TRYCREATE" / "CLOSED" /
    //     "UIDNEXT" SP nz-number / "UIDVALIDITY" SP nz-number / "UNSEEN" SP nz-number /
    //     "PERMANENTFLAGS" SP "(" [flag-perm *(SP flag-perm)] ")" / capability-data /
    //     "HIGHESTMODSEQ" SP mod-sequence-value / "NOMODSEQ" (RFC 7162) /
    //     "APPENDUID" SP nz-number SP append-uid / "COPYUID" SP nz-number SP uid-set SP uid-set (RFC 4315)
    func knownCode(_ name: String, _ b: inout ByteBuffer) throws(GrammarError) -> ResponseCode {
        switch name {
        case "ALERT": return .alert
        case "PARSE": return .parse
        case "READ-ONLY": return .readOnly
        case "READ-WRITE": return .readWrite
        case "TRYCREATE": return .tryCreate
        case "CLOSED": return .closed
        case "NOMODSEQ": return .noModSeq
        case "CAPABILITY": return .capability(try atomList(&b))
        default: break
        }
        try space(&b, name)
        switch name {
        case "UIDNEXT": return .uidNext(try number(&b))
        case "UIDVALIDITY": return .uidValidity(try number(&b))
        case "UNSEEN": return .unseen(try number(&b))
        case "PERMANENTFLAGS": return .permanentFlags(try flagList(&b))
        case "HIGHESTMODSEQ": return .highestModSeq(try number64(&b))
        case "APPENDUID":
            let validity = try number(&b)
            try space(&b, name)
            return .appendUID(uidValidity: validity, uids: try sequenceSet(&b))
        case "COPYUID":
            let validity = try number(&b)
            try space(&b, name)
            let source = try sequenceSet(&b)
            try space(&b, name)
            return .copyUID(uidValidity: validity, source: source, destination: try sequenceSet(&b))
        default:
            throw .mismatch(rule: name)
        }
    }
}
