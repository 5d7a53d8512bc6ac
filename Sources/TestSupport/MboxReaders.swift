import Foundation

/// Independent readers of mbox files, for checking what mailferry writes: Python's `mailbox.mbox`
/// and mutt. Both split a file on its `From ` lines; mboxrd unquoting is done here (neither does
/// it), by a few lines written apart from the code under test.
public enum MboxReaders {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// What a reader sees of a message stored in an mbox: an mbox cannot end a message in the
    /// middle of a line, so a message without a final line end gains one.
    public static func asRead(_ message: [UInt8]) -> [UInt8] {
        guard let last = message.last, last != 0x0A else { return message }
        return message + [0x0A]
    }

    /// Removes one `>` from every line that starts with `>`s followed by `From `.
    public static func unquote(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var lineStart = true
        var index = 0
        let from = Array("From ".utf8)
        while index < bytes.count {
            if lineStart, bytes[index] == UInt8(ascii: ">") {
                var end = index
                while end < bytes.count, bytes[end] == UInt8(ascii: ">") { end += 1 }
                if bytes[end...].starts(with: from) { index += 1 }
            }
            lineStart = bytes[index] == 0x0A
            output.append(bytes[index])
            index += 1
        }
        return output
    }

    /// The messages of an mbox as Python's `mailbox.mbox` splits them, unquoted, in file order.
    public static func python(_ path: String) throws -> [[UInt8]] {
        let script = """
            from mailbox import mbox
            from sys import argv
            from base64 import b64encode
            box = mbox(argv[1], create=False)
            for key in box.iterkeys():
                print(b64encode(box.get_bytes(key)).decode())
            """
        let output = try Subprocess.run("python3", ["-c", script, path])
        guard output.status == 0 else { throw Failure(description: "python3: \(output.stderrText)") }
        return output.stdoutText.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map {
            unquote(Array(Data(base64Encoded: String($0)) ?? Data()))
        }
    }

    /// SHA-256 digests (hex) of the messages of an mbox as Python's `mailbox.mbox` splits them,
    /// mboxrd-unquoted by Python: of the whole message, and of it without the line end an mbox adds
    /// to a message that had none. For large files: no message is held in this process.
    public static func pythonDigests(_ path: String) throws -> [(whole: String, withoutLastLineEnd: String)] {
        let script = """
            from mailbox import mbox
            from sys import argv
            from hashlib import sha256
            from re import sub
            box = mbox(argv[1], create=False)
            for key in box.iterkeys():
                data = sub(rb"(?m)^>(>*From )", rb"\\1", box.get_bytes(key))
                trimmed = data[:-1] if data.endswith(b"\\n") else data
                print(sha256(data).hexdigest(), sha256(trimmed).hexdigest())
            """
        let output = try Subprocess.run("python3", ["-c", script, path])
        guard output.status == 0 else { throw Failure(description: "python3: \(output.stderrText)") }
        return output.stdoutText.split(separator: "\n").map { line in
            let digests = line.split(separator: " ").map(String.init)
            return (digests.first ?? "", digests.last ?? "")
        }
    }

    /// True when mutt and `script` (for the terminal mutt insists on) are installed.
    public static var hasMutt: Bool { Subprocess.locate("mutt") != nil && Subprocess.locate("script") != nil }

    /// mutt rewrites the empty line that ends a message's header (always a bare LF, and one is added
    /// when a message has no header): what mutt shows and what was stored compare equal after
    /// this, which drops CRs and empty lines and keeps every other byte in order.
    public static func muttComparable(_ message: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        for byte in message where byte != 0x0D {
            if byte == 0x0A, output.last == 0x0A || output.isEmpty { continue }
            output.append(byte)
        }
        return output
    }

    /// As `mutt(_:)`, read once more when mutt handed over fewer than `count` messages: driven
    /// through a terminal under a heavily loaded test run, it has been seen to pipe only the first
    /// of the messages it tagged. A file mutt really splits differently gives the same answer twice.
    public static func mutt(_ path: String, expecting count: Int) throws -> [[UInt8]] {
        let first = try mutt(path)
        return first.count >= count ? first : try mutt(path)
    }

    /// The messages of an mbox as mutt splits them: read-only, each message piped in file order;
    /// the `From ` line and the empty separator line mutt passes along are removed, and quoting is
    /// undone. Compare them through `muttComparable`.
    public static func mutt(_ path: String) throws -> [[UInt8]] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mutt-\(UUID().uuidString)")
        let out = directory.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let settings = [
            "wait_key=no", "pipe_split=yes", "pipe_decode=no", "read_only=yes", "sort=mailbox-order",
            "move=no", "quit=yes", "mbox_type=mbox",
        ]
        try Data(settings.map { "set \($0)\n" }.joined().utf8).write(to: directory.appendingPathComponent("muttrc"))
        let save = directory.appendingPathComponent("save")
        try Data("#!/bin/sh\nn=$(ls '\(out.path)' | wc -l)\ncat > '\(out.path)'/$(printf %08d \"$n\")\n".utf8).write(to: save)
        chmod(save.path, 0o700)
        let keys = "<tag-pattern>~A<enter><tag-prefix><pipe-entry>\(save.path)<enter><quit>"
        let command = "mutt -n -F '\(directory.path)/muttrc' -R -f '\(path)' -e 'push \"\(keys)\"'"
        let output = try Subprocess.run("env", ["TERM=xterm", "timeout", "60", "script", "-qec", command, "/dev/null"])
        guard output.status == 0 else { throw Failure(description: "mutt: status \(output.status)") }
        return try FileManager.default.contentsOfDirectory(atPath: out.path).sorted().map { name in
            var bytes = Array(try Data(contentsOf: out.appendingPathComponent(name)))
            let firstLine = (bytes.firstIndex(of: 0x0A) ?? bytes.count - 1) + 1
            bytes.removeFirst(firstLine)
            if bytes.last == 0x0A { bytes.removeLast() }
            return unquote(bytes)
        }
    }
}
