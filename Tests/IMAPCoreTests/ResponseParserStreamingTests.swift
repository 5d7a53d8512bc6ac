import IMAPCore
import NIOCore
import Testing

/// Real-server transcripts, fed whole and byte by byte; incomplete input; large bodies.
@Suite struct ResponseParserStreamingTests {
    @Test(arguments: ServerTranscripts.all)
    func transcript(_ transcript: Transcript) {
        let outcome = parse(transcript.text)
        #expect(outcome.error == nil)
        #expect(outcome.leftover == 0)
        #expect(outcome.events.count == transcript.events.count)
        for (got, expected) in zip(outcome.events, transcript.events) {
            #expect(got == expected)
        }
    }

    @Test(arguments: ServerTranscripts.all + ResponseParserTests.fetches)
    func dripFeedMatchesWhole(_ transcript: Transcript) {
        let whole = parse(transcript.text)
        for step in [1, 2, 3, 7, 64] {
            #expect(parse(transcript.text, step: step) == whole, "step \(step)")
        }
    }

    /// For every response that is not a FETCH, each proper prefix yields nothing and consumes nothing.
    @Test(arguments: ResponseParserTests.conditions + ResponseParserTests.codes + ResponseParserTests.mailboxData)
    func incompleteInputLeavesTheBufferUnchanged(_ transcript: Transcript) throws {
        let bytes = wire(transcript.text)
        for length in 0..<bytes.count {
            var parser = ResponseParser()
            var buffer = ByteBuffer(bytes: bytes[..<length])
            let before = buffer
            #expect(try parser.next(&buffer) == nil)
            #expect(buffer == before)
            #expect(buffer.readerIndex == before.readerIndex)
        }
    }

    /// Inside a FETCH, nothing is consumed that has not been reported: feeding the rest later
    /// continues exactly where the parser stopped.
    @Test func fetchResumesAfterEveryCut() throws {
        let bytes = wire(ServerTranscripts.gmail.text)
        let expected = parse(bytes).events
        for cut in 0...bytes.count {
            var parser = ResponseParser()
            var buffer = ByteBuffer(bytes: bytes[..<cut])
            var events: [ResponseEvent] = []
            while let event = try parser.next(&buffer) { events.append(event) }
            buffer.writeBytes(bytes[cut...])
            while let event = try parser.next(&buffer) { events.append(event) }
            #expect(merged(events) == expected, "cut at \(cut)")
        }
    }

    @Test func largeBodyStreamsInChunks() throws {
        let size = 5 * 1024 * 1024
        var limits = ResponseParser.Limits()
        limits.bodyChunk = 64 * 1024
        var parser = ResponseParser(limits: limits)
        var payload = [UInt8](repeating: 0, count: size)
        for i in payload.indices { payload[i] = UInt8(truncatingIfNeeded: i &* 31 &+ i >> 9) }
        let wireBytes =
            Array("* 7 FETCH (UID 70 BODY[] {\(size)}\r\n".utf8) + payload
            + Array(" FLAGS (\\Seen))\r\nA1 OK done\r\n".utf8)

        var buffer = ByteBuffer()
        var received = ByteBuffer()
        var events: [ResponseEvent] = []
        var offset = 0
        var chunksBeforeComplete = 0
        // Feed it as a network would, in uneven reads; chunks must come out before the body is complete.
        while offset < wireBytes.count {
            let end = min(wireBytes.count, offset + 100_003)
            buffer.writeBytes(wireBytes[offset..<end])
            offset = end
            while let event = try parser.next(&buffer) {
                if case .fetchBodyChunk(var chunk) = event {
                    #expect(chunk.readableBytes <= limits.bodyChunk)
                    #expect(chunk.readableBytes > 0)
                    if offset < wireBytes.count { chunksBeforeComplete += 1 }
                    received.writeBuffer(&chunk)
                } else {
                    events.append(event)
                }
            }
            buffer.discardReadBytes()
            // Never more than one read's worth plus a line stays buffered.
            #expect(buffer.readableBytes < 100_003 + 1024)
        }
        #expect(received.readableBytes == size)
        #expect(Array(received.readableBytesView) == payload)
        #expect(chunksBeforeComplete > 10)
        #expect(
            events == [
                .fetchStart(sequence: 7), .fetchAttribute(.uid(70)),
                .fetchBodyStart(section: "", origin: nil, size: size),
                .fetchBodyEnd, .fetchAttribute(.flags([.seen])), .fetchEnd, tagged("A1", "done"),
            ])
    }

    @Test func partialBodyBytesAreHandedOutAtOnce() throws {
        var parser = ResponseParser()
        var buffer = ByteBuffer(string: "* 1 FETCH (BODY[] {10}\r\nabc")
        #expect(try parser.next(&buffer) == .fetchStart(sequence: 1))
        #expect(try parser.next(&buffer) == .fetchBodyStart(section: "", origin: nil, size: 10))
        #expect(try parser.next(&buffer) == chunk("abc"))
        #expect(try parser.next(&buffer) == nil)
        buffer.writeString("defghij)\r\n")
        #expect(try parser.next(&buffer) == chunk("defghij"))
        #expect(try parser.next(&buffer) == .fetchBodyEnd)
        #expect(try parser.next(&buffer) == .fetchEnd)
        #expect(try parser.next(&buffer) == nil)
        #expect(parser.isAtResponseBoundary)
    }

    @Test func quotedBodyIsChunked() throws {
        var limits = ResponseParser.Limits()
        limits.bodyChunk = 4
        let outcome = parse("* 1 FETCH (BODY[] \"0123456789\")\n", limits: limits)
        #expect(outcome.events == fetch(1, body("", "0123456789")))
        var parser = ResponseParser(limits: limits)
        var buffer = ByteBuffer(bytes: wire("* 1 FETCH (BODY[] \"0123456789\")\n"))
        var sizes: [Int] = []
        while let event = try parser.next(&buffer) {
            if case .fetchBodyChunk(let c) = event { sizes.append(c.readableBytes) }
        }
        #expect(sizes == [4, 4, 2])
    }
}
