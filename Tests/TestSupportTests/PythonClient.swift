import Foundation
import TestSupport

/// An independent IMAP/POP3 client: Python's imaplib, poplib and ssl, run as a subprocess.
///
/// Each script reads one JSON argument and prints one JSON object; a traceback fails the test with its text.
enum PythonClient {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static var interpreter: String {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"
    }

    /// Runs `script` with `arguments` as JSON in `sys.argv[1]` and returns its JSON output.
    static func run(_ script: String, _ arguments: [String: Any]) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            interpreter, "-c", prelude + script,
            String(decoding: try JSONSerialization.data(withJSONObject: arguments), as: UTF8.self),
        ]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let errHandle = err.fileHandleForReading
        let errorData = LockedData()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errorData.set(errHandle.readDataToEndOfFile())
            group.leave()
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(
                description:
                    "python exited \(process.terminationStatus): \(String(decoding: errorData.get(), as: UTF8.self))")
        }
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Failure(description: "python printed no JSON object: \(String(decoding: data, as: UTF8.self))")
        }
        return object
    }

    /// Connection arguments every script understands.
    static func arguments(_ server: DovecotServer, user: String = "alice", password: String = "alice-pass") -> [String:
        Any]
    {
        [
            "imap": server.imapPort, "imaps": server.imapsPort, "pop3": server.pop3Port, "pop3s": server.pop3sPort,
            "ca": server.caCertificatePath, "user": user, "password": password,
        ]
    }

    private static let prelude = #"""
        import imaplib, poplib, ssl, json, sys, base64, time
        a = json.loads(sys.argv[1])
        def tls():
            return ssl.create_default_context(cafile=a['ca'])
        def imap_plain():
            c = imaplib.IMAP4('127.0.0.1', a['imap'], timeout=20)
            c.login(a['user'], a['password'])
            return c
        def out(obj):
            print(json.dumps(obj))
        def mutf7(s):
            result, pending = [], ''
            def flush():
                nonlocal pending
                if pending:
                    b = base64.b64encode(pending.encode('utf-16-be')).decode().rstrip('=').replace('/', ',')
                    result.append('&' + b + '-')
                    pending = ''
            for ch in s:
                if 0x20 <= ord(ch) <= 0x7e:
                    flush()
                    result.append('&-' if ch == '&' else ch)
                else:
                    pending += ch
            flush()
            return ''.join(result)
        def quote(name):
            return '"' + mutf7(name).replace('\\', '\\\\').replace('"', '\\"') + '"'
        def fetch_all(c, mailbox):
            typ, data = c.select(quote(mailbox), readonly=True)
            assert typ == 'OK', data
            messages = []
            if int(data[0]) == 0:
                return messages
            typ, data = c.uid('FETCH', '1:*', '(UID FLAGS INTERNALDATE BODY.PEEK[])')
            for item in data:
                if not isinstance(item, tuple):
                    continue
                meta = item[0].decode()
                uid = int(meta.split('UID ')[1].split()[0])
                flags = [f.decode() for f in imaplib.ParseFlags(item[0])]
                date = time.mktime(imaplib.Internaldate2tuple(item[0]))
                messages.append({'uid': uid, 'flags': flags, 'date': date,
                                 'bytes': base64.b64encode(item[1]).decode()})
            return messages

        """#
}

final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ value: Data) {
        lock.lock()
        data = value
        lock.unlock()
    }
    func get() -> Data {
        lock.lock()
        defer { lock.unlock() }
        return data
    }
}
