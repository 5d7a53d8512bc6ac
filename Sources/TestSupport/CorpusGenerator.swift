import Foundation

/// Deterministic builders of realistic messages: the same seed gives the same bytes on every run.
///
/// Messages use CRLF line ends unless a builder says otherwise, and whole-second INTERNALDATEs in 2023-2025.
public struct CorpusGenerator: Sendable {
    public var random: SeededRandom
    private var counter = 0

    public init(seed: UInt64) {
        random = SeededRandom(seed: seed)
    }

    public init(seed: UInt64, index: Int) {
        random = SeededRandom(seed: seed, index: index)
        counter = index
    }

    // MARK: Message kinds

    /// A text/plain message of roughly `bodySize` bytes of body.
    public mutating func plainText(
        subject: String? = nil, bodySize: Int = 1_500, flags: [String]? = nil, date: Date? = nil
    ) -> CorpusMessage {
        var headers = standardHeaders(subject: subject ?? random.pick(CorpusVocabulary.subjects), date: date)
        headers += textHeaders()
        return finish(headers, body: paragraphs(bodySize), flags: flags, date: date)
    }

    /// multipart/alternative with a text/plain and a text/html version of the same prose.
    public mutating func alternative(subject: String? = nil, bodySize: Int = 3_000, flags: [String]? = nil)
        -> CorpusMessage
    {
        let boundary = makeBoundary()
        var headers = standardHeaders(subject: subject ?? random.pick(CorpusVocabulary.subjects), date: nil)
        headers += ["MIME-Version: 1.0", "Content-Type: multipart/alternative; boundary=\"\(boundary)\""]
        let text = paragraphs(bodySize / 2)
        var body = Array("This is a multi-part message in MIME format.\r\n\r\n--\(boundary)\r\n".utf8)
        body += Array((textHeaders().joined(separator: "\r\n") + "\r\n\r\n").utf8)
        body += text
        body += Array(
            "\r\n--\(boundary)\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                .utf8)
        body += html(text)
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        return finish(headers, body: body, flags: flags, date: nil)
    }

    /// multipart/mixed with a short text part and one base64 attachment of `attachmentSize` decoded bytes.
    public mutating func withAttachment(
        attachmentSize: Int, filename: String? = nil, contentType: String? = nil, subject: String? = nil,
        flags: [String]? = nil
    ) -> CorpusMessage {
        let kind = random.pick(CorpusVocabulary.attachmentKinds)
        let boundary = makeBoundary()
        var headers = standardHeaders(subject: subject ?? random.pick(CorpusVocabulary.subjects), date: nil)
        headers += ["MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=\"\(boundary)\""]
        var body = Array("--\(boundary)\r\n".utf8)
        body += Array((textHeaders().joined(separator: "\r\n") + "\r\n\r\n").utf8)
        body += paragraphs(400)
        body += Array(
            """
            \r
            --\(boundary)\r
            Content-Type: \(contentType ?? kind.contentType); name="\(filename ?? kind.filename)"\r
            Content-Transfer-Encoding: base64\r
            Content-Disposition: attachment; filename="\(filename ?? kind.filename)"\r
            \r

            """.utf8)
        body += Array(
            Data(random.bytes(attachmentSize)).base64EncodedData(options: [
                .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
            ]))
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        return finish(headers, body: body, flags: flags, date: nil)
    }

    /// RFC 2047 encoded words in Subject, From and To (UTF-8, ISO-8859-1, ISO-2022-JP; Q and B).
    public mutating func encodedWords(flags: [String]? = nil) -> CorpusMessage {
        let subject = random.pick(CorpusVocabulary.encodedSubjects)
        let from = random.pick(CorpusVocabulary.encodedNames)
        let to = random.pick(CorpusVocabulary.encodedNames)
        var headers = [
            "From: \(from.encoded) <sender\(counter)@example.org>",
            "To: \(to.encoded) <alice@example.com>, \"Bob Okafor\" <bob@example.com>",
            "Subject: \(subject.encoded)",
            "Date: \(rfc5322Date(nextDate()))",
            "Message-ID: <\(messageIDLocalPart())@example.org>",
        ]
        headers += textHeaders()
        let body = Array("Hallo Alice,\r\n\r\nviele Grüße und до свидания.\r\n\r\n".utf8)
            + Array("-- \r\n\(from.decoded)\r\n".utf8)
        return finish(headers, body: body, flags: flags, date: lastDate)
    }

    /// Raw 8-bit bytes in headers, as broken mailers send: UTF-8 in Subject, Latin-1 in From.
    public mutating func raw8BitHeaders(flags: [String]? = nil) -> CorpusMessage {
        var bytes = Array("From: ".utf8) + [0x4A, 0xF6, 0x72, 0x67] + Array(" <joerg@example.net>\r\n".utf8)
        bytes += Array("To: alice@example.com\r\nSubject: Überweisung für März — 8bit\r\n".utf8)
        bytes += Array("Date: \(rfc5322Date(nextDate()))\r\nMessage-ID: <\(messageIDLocalPart())@example.net>\r\n".utf8)
        bytes += Array(
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                .utf8)
        bytes += Array("Grüße, Jörg\r\n".utf8)
        return CorpusMessage(bytes: bytes, flags: flags ?? realisticFlags(), internalDate: lastDate)
    }

    /// Bare LF line ends throughout (Dovecot serves them as CRLF).
    public mutating func bareLineFeeds(flags: [String]? = nil) -> CorpusMessage {
        let message = plainText(subject: "Unix line endings", bodySize: 600, flags: flags)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(message.bytes.count)
        for byte in message.bytes where byte != 0x0D {
            bytes.append(byte)
        }
        return CorpusMessage(bytes: bytes, flags: message.flags, internalDate: message.internalDate)
    }

    /// A message with no Message-ID header (identity must come from the hash).
    public mutating func withoutMessageID(flags: [String]? = nil) -> CorpusMessage {
        let message = plainText(subject: "No Message-ID here", bodySize: 500, flags: flags)
        let text = String(decoding: message.bytes, as: UTF8.self)
        let kept = text.components(separatedBy: "\r\n").filter { !$0.hasPrefix("Message-ID:") }
        return CorpusMessage(kept.joined(separator: "\r\n"), flags: message.flags, internalDate: message.internalDate)
    }

    /// A message of about `size` bytes, shaped as real mail of that size is: text or text+HTML below 30 KB,
    /// an attachment above.
    public mutating func message(ofSize size: Int, flags: [String]? = nil) -> CorpusMessage {
        if size > 30_000 {
            // base64 grows 4/3 plus CRLF every 76 characters; leave ~1.5 KB for headers and the text part.
            let decoded = max(1, (size - 1_500) * 57 / 78)
            return withAttachment(attachmentSize: decoded, flags: flags)
        }
        if size > 6_000 && random.chance(0.5) {
            return alternative(bodySize: max(500, size - 1_200), flags: flags)
        }
        return plainText(bodySize: max(200, size - 600), flags: flags)
    }

    /// Flags as a real mailbox has them: mostly read, some answered or flagged, a few keywords.
    public mutating func realisticFlags() -> [String] {
        var flags: [String] = []
        if random.chance(0.75) { flags.append("\\Seen") }
        if random.chance(0.12) { flags.append("\\Answered") }
        if random.chance(0.06) { flags.append("\\Flagged") }
        if random.chance(0.04) { flags.append("$Forwarded") }
        if random.chance(0.03) { flags.append("NonJunk") }
        if random.chance(0.01) { flags.append("$Label1") }
        return flags
    }

    // MARK: Pieces

    private var lastDate = Date(timeIntervalSince1970: 1_672_531_200)

    private mutating func nextDate() -> Date {
        // Between 2023-01-01 and 2025-12-31, whole seconds.
        let seconds = Int.random(in: 1_672_531_200...1_767_139_200, using: &random)
        lastDate = Date(timeIntervalSince1970: TimeInterval(seconds))
        return lastDate
    }

    private mutating func messageIDLocalPart() -> String {
        counter += 1
        return String(random.next(), radix: 36) + "." + String(counter)
    }

    private mutating func makeBoundary() -> String {
        "----=_Part_\(String(random.next() & 0xFFFF_FFFF, radix: 16))_\(counter)"
    }

    private mutating func standardHeaders(subject: String, date: Date?) -> [String] {
        let from = random.pick(CorpusVocabulary.people)
        var to = random.pick(CorpusVocabulary.people)
        if to.address == from.address { to = CorpusVocabulary.people[0] }
        let sent = date ?? nextDate()
        lastDate = sent
        var headers = [
            "Return-Path: <\(from.address)>",
            "Received: from mail.example.org (mail.example.org [192.0.2.25])\r\n"
                + "\tby mx.example.com with ESMTPS id \(String(random.next() & 0xFFFFFF, radix: 16))\r\n"
                + "\tfor <\(to.address)>; \(rfc5322Date(sent))",
            "From: \(quoted(from.display)) <\(from.address)>",
            "To: \(quoted(to.display)) <\(to.address)>",
        ]
        if random.chance(0.3) {
            let cc = random.pick(CorpusVocabulary.people)
            headers.append("Cc: \(quoted(cc.display)) <\(cc.address)>")
        }
        headers += [
            "Subject: \(subject)",
            "Date: \(rfc5322Date(sent.addingTimeInterval(-Double(Int.random(in: 1...300, using: &random)))))",
            "Message-ID: <\(messageIDLocalPart())@\(from.address.split(separator: "@").last ?? "example.com")>",
        ]
        if subject.hasPrefix("Re:") {
            headers.append("In-Reply-To: <\(messageIDLocalPart())@example.com>")
        }
        return headers
    }

    private func textHeaders() -> [String] {
        ["Content-Type: text/plain; charset=utf-8; format=flowed", "Content-Transfer-Encoding: 8bit"]
    }

    private func quoted(_ display: String) -> String {
        display.contains("'") ? "\"\(display)\"" : display
    }

    /// Prose of about `size` bytes in paragraphs, CRLF line ends, lines under 78 characters.
    private mutating func paragraphs(_ size: Int) -> [UInt8] {
        var result: [UInt8] = Array("Hi,\r\n\r\n".utf8)
        result.reserveCapacity(size + 100)
        var line = 0
        while result.count < size {
            let sentence = Array(random.pick(CorpusVocabulary.sentences).utf8)
            if line + sentence.count > 72 {
                result += [0x0D, 0x0A]
                line = 0
                if random.chance(0.2) { result += [0x0D, 0x0A] }
            } else if line > 0 {
                result.append(0x20)
                line += 1
            }
            result += sentence
            line += sentence.count
        }
        result += Array("\r\n\r\nBest regards\r\n".utf8)
        return result
    }

    private func html(_ text: [UInt8]) -> [UInt8] {
        let escaped = String(decoding: text, as: UTF8.self).replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        let paragraphs = escaped.components(separatedBy: "\r\n\r\n").map { "<p>\($0)</p>" }
        let head = "<!DOCTYPE html>\r\n<html><head><meta charset=\"utf-8\"></head><body>\r\n"
        return Array((head + paragraphs.joined(separator: "\r\n") + "\r\n</body></html>\r\n").utf8)
    }

    private mutating func finish(_ headers: [String], body: [UInt8], flags: [String]?, date: Date?) -> CorpusMessage {
        var bytes = Array((headers.joined(separator: "\r\n") + "\r\n\r\n").utf8)
        bytes += body
        return CorpusMessage(bytes: bytes, flags: flags ?? realisticFlags(), internalDate: date ?? lastDate)
    }

    /// `Tue, 05 Mar 2024 14:07:09 +0100` in a zone picked from the date, as senders' zones vary.
    private func rfc5322Date(_ date: Date) -> String {
        let offsets = [0, 60, -300, 330, 540, -480, 120]
        let minutes = offsets[Int(date.timeIntervalSince1970) % offsets.count]
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: minutes * 60)
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }
}
