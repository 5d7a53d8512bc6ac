import NIOCore

// Mailbox data: LIST, STATUS, SEARCH, ESEARCH, NAMESPACE, ID, VANISHED.
extension ResponseGrammar {
    // mailbox = "INBOX" / astring
    // Kept as raw bytes, never decoded here (a name that is not valid modified UTF-7 stays usable).
    func mailbox(_ b: inout ByteBuffer) throws(GrammarError) -> MailboxName {
        MailboxName(bytes: try astring(&b, ASCII.isMailboxChar))
    }

    // mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox
    //                [SP mbox-list-extended]
    // mbx-list-flags = *(mbx-list-oflag SP) mbx-list-sflag *(SP mbx-list-oflag) / mbx-list-oflag *(SP mbx-list-oflag)
    func mailboxList(_ b: inout ByteBuffer) throws(GrammarError) -> ListResponse {
        try space(&b, "mailbox-list")
        let attributes = try flagList(&b).map(\.name)
        try space(&b, "mailbox-list")
        let delimiter = try delimiter(&b)
        try space(&b, "mailbox-list")
        let name = try mailbox(&b)
        var extended: [String: String] = [:]
        if !(try atLineEnd(b)) {
            try space(&b, "mbox-list-extended")
            extended = try listExtended(&b)
        }
        return ListResponse(attributes: attributes, delimiter: delimiter, mailbox: name, extended: extended)
    }

    // DQUOTE QUOTED-CHAR DQUOTE / nil   (lenient: "" for NIL)
    func delimiter(_ b: inout ByteBuffer) throws(GrammarError) -> UInt8? {
        guard try peek(b) == ASCII.quote else {
            try nilValue(&b)
            return nil
        }
        let bytes = try quoted(&b)
        guard bytes.count <= 1 else { throw .mismatch(rule: "delimiter") }
        return bytes.first
    }

    // mbox-list-extended = "(" [mbox-list-extended-item *(SP mbox-list-extended-item)] ")"
    // mbox-list-extended-item = mbox-list-extended-item-tag SP tagged-ext-val      (RFC 5258)
    func listExtended(_ b: inout ByteBuffer) throws(GrammarError) -> [String: String] {
        try expect(ASCII.openParen, &b, "mbox-list-extended")
        var items: [String: String] = [:]
        while true {
            skipSpaces(&b)
            if try peek(b) == ASCII.closeParen {
                b.moveReaderIndex(forwardBy: 1)
                return items
            }
            let tag = String(decoding: try astring(&b), as: UTF8.self).uppercased()
            try space(&b, "mbox-list-extended-item")
            items[tag] = try rawValue(&b, depth: 1)
        }
    }

    // mailbox-data =/ "STATUS" SP mailbox SP "(" [status-att-list] ")"
    // status-att-list = status-att-val *(SP status-att-val)
    // status-att-val = status-att SP number / "SIZE" SP number64 / "HIGHESTMODSEQ" SP mod-sequence-value
    // status-att-val =/ "APPENDLIMIT" SP (number / nil)    (RFC 7889; NIL, no limit, leaves the item out)
    func status(_ b: inout ByteBuffer) throws(GrammarError) -> UntaggedResponse {
        try space(&b, "STATUS")
        let name = try mailbox(&b)
        try space(&b, "STATUS")
        try expect(ASCII.openParen, &b, "status-att-list")
        var values: [String: UInt64] = [:]
        while true {
            let spaces = skipSpaces(&b)
            if try peek(b) == ASCII.closeParen {
                b.moveReaderIndex(forwardBy: 1)
                return .status(name, values)
            }
            if !values.isEmpty && spaces == 0 { throw .mismatch(rule: "status-att-list") }
            let attribute = try keyword(&b, "status-att")
            try space(&b, "status-att-val")
            if try peek(b) | 0x20 == UInt8(ascii: "n") {
                try nilValue(&b)
                continue
            }
            values[attribute] = try number64(&b, "status-att-val")
        }
    }

    // mailbox-data =/ "SEARCH" *(SP nz-number) [SP "(" "MODSEQ" SP mod-sequence-value ")"]   (RFC 7162)
    // Lenient: trailing and doubled spaces.
    func search(_ b: inout ByteBuffer) throws(GrammarError) -> UntaggedResponse {
        var numbers: [UInt32] = []
        var modSeq: UInt64?
        while skipSpaces(&b) > 0 {
            let c = try peek(b)
            if ASCII.isDigit(c) {
                numbers.append(try number(&b, "nz-number"))
            } else if c == ASCII.openParen, modSeq == nil {
                b.moveReaderIndex(forwardBy: 1)
                skipSpaces(&b)
                try word("MODSEQ", &b)
                try space(&b, "search-sort-mod-seq")
                modSeq = try number64(&b, "mod-sequence-value")
                skipSpaces(&b)
                try expect(ASCII.closeParen, &b, "search-sort-mod-seq")
            } else {
                break
            }
        }
        return .search(numbers, modSeq: modSeq)
    }

    // esearch-response = "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)   (RFC 4731)
    // search-correlator = SP "(" "TAG" SP tag-string ")"
    // search-return-data = "MIN" SP nz-number / "MAX" SP nz-number / "ALL" SP sequence-set /
    //                      "COUNT" SP number / search-ret-data-ext
    func esearch(_ b: inout ByteBuffer) throws(GrammarError) -> UntaggedResponse {
        var tag: Tag?
        var uid = false
        var all: SequenceSet?
        var count: UInt32?
        var minimum: UInt32?
        var maximum: UInt32?
        var first = true
        while !(try atLineEnd(b)) {
            try space(&b, "esearch-response")
            if first, try peek(b) == ASCII.openParen {
                b.moveReaderIndex(forwardBy: 1)
                try word("TAG", &b)
                try space(&b, "search-correlator")
                tag = Tag(String(decoding: try astring(&b), as: UTF8.self))
                skipSpaces(&b)
                try expect(ASCII.closeParen, &b, "search-correlator")
                first = false
                continue
            }
            first = false
            let name = try keyword(&b, "search-return-data")
            if name == "UID" {
                uid = true
                continue
            }
            try space(&b, "search-return-data")
            switch name {
            case "MIN": minimum = try number(&b)
            case "MAX": maximum = try number(&b)
            case "COUNT": count = try number(&b)
            case "ALL": all = try sequenceSet(&b)
            default: try skipValue(&b, depth: 0)
            }
        }
        return .esearch(tag: tag, uid: uid, all: all, count: count, min: minimum, max: maximum)
    }

    // namespace-response = "NAMESPACE" SP namespace SP namespace SP namespace     (RFC 2342)
    func namespaceResponse(_ b: inout ByteBuffer) throws(GrammarError) -> NamespaceResponse {
        try space(&b, "namespace-response")
        let personal = try namespace(&b)
        try space(&b, "namespace-response")
        let otherUsers = try namespace(&b)
        try space(&b, "namespace-response")
        return NamespaceResponse(personal: personal, otherUsers: otherUsers, shared: try namespace(&b))
    }

    // namespace = nil / "(" 1*namespace-descr ")"     (lenient: "()" and spaces between descriptions)
    func namespace(_ b: inout ByteBuffer) throws(GrammarError) -> [Namespace] {
        guard try peek(b) == ASCII.openParen else {
            try nilValue(&b)
            return []
        }
        b.moveReaderIndex(forwardBy: 1)
        var result: [Namespace] = []
        while true {
            skipSpaces(&b)
            if try peek(b) == ASCII.closeParen {
                b.moveReaderIndex(forwardBy: 1)
                return result
            }
            result.append(try namespaceDescription(&b))
        }
    }

    // namespace-descr = "(" string SP (DQUOTE QUOTED-CHAR DQUOTE / nil) *namespace-response-extension ")"
    // namespace-response-extension = SP string SP "(" string *(SP string) ")"
    // Lenient: NIL for the prefix.
    func namespaceDescription(_ b: inout ByteBuffer) throws(GrammarError) -> Namespace {
        try expect(ASCII.openParen, &b, "namespace-descr")
        skipSpaces(&b)
        let prefix = try nstring(&b) ?? []
        try space(&b, "namespace-descr")
        let delimiter = try delimiter(&b)
        while true {
            skipSpaces(&b)
            if try peek(b) == ASCII.closeParen {
                b.moveReaderIndex(forwardBy: 1)
                return Namespace(prefix: MailboxName(bytes: prefix), delimiter: delimiter)
            }
            try skipValue(&b, depth: 1)
        }
    }

    // id-response = "ID" SP id-params-list                                         (RFC 2971)
    // id-params-list = "(" [string SP nstring *(SP string SP nstring)] ")" / nil
    // Lenient: "()" and NIL for a key.
    func idParams(_ b: inout ByteBuffer) throws(GrammarError) -> [String: String?]? {
        try space(&b, "id-response")
        guard try peek(b) == ASCII.openParen else {
            try nilValue(&b)
            return nil
        }
        b.moveReaderIndex(forwardBy: 1)
        var params: [String: String?] = [:]
        while true {
            skipSpaces(&b)
            if try peek(b) == ASCII.closeParen {
                b.moveReaderIndex(forwardBy: 1)
                return params
            }
            let key = String(decoding: try nstring(&b) ?? [], as: UTF8.self)
            try space(&b, "id-params-list")
            let value = try nstring(&b).map { String(decoding: $0, as: UTF8.self) }
            params[key] = .some(value)
        }
    }

    // expunged-resp = "VANISHED" [SP "(EARLIER)"] SP known-uids                    (RFC 7162)
    func vanished(_ b: inout ByteBuffer) throws(GrammarError) -> UntaggedResponse {
        try space(&b, "expunged-resp")
        var earlier = false
        if try peek(b) == ASCII.openParen {
            b.moveReaderIndex(forwardBy: 1)
            try word("EARLIER", &b)
            try expect(ASCII.closeParen, &b, "expunged-resp")
            try space(&b, "expunged-resp")
            earlier = true
        }
        return .vanished(earlier: earlier, try sequenceSet(&b))
    }
}
