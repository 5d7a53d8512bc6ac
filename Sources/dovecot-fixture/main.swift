import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `dovecot-fixture`: a private Dovecot for `script/demo` and `script/bench`.
///
///     dovecot-fixture start --state FILE [--layout slash|dot] [--no-starttls] [--user NAME] [--add-user NAME]
///                           [--load-samples DIR] [--generate N] [--big-message MB] [--folder NAME] [--seed S]
///     dovecot-fixture stop --state FILE
///
/// `start` writes the server's coordinates as JSON to FILE, prints them, and runs until SIGTERM or SIGINT.
let usageText = """
    usage: dovecot-fixture start --state FILE [--layout slash|dot] [--no-starttls] [--user NAME] [--add-user NAME]
                                 [--load-samples DIR] [--generate N] [--big-message MB] [--folder NAME] [--seed S]
           dovecot-fixture stop --state FILE

    start   runs a private Dovecot on free 127.0.0.1 ports until SIGTERM/SIGINT; FILE receives
            {host, imapPort, imapsPort, pop3Port, pop3sPort, caFile, users, directory, pid, ...}.
            --load-samples loads DIR/<folder>/*.eml (flags from DIR/flags.txt) into --user (alice);
            --generate delivers N benchmark messages (about 55 KB each) into --folder (INBOX).
            --add-user adds an account NAME (password NAME-pass) beside alice and bob; repeatable.
    stop    sends SIGTERM to the fixture recorded in FILE and waits for it to exit.

    """

struct Arguments {
    var command = ""
    var state: String?
    var layout = DovecotServer.Layout.slash
    var starttls = true
    var user = "alice"
    var samples: String?
    var generate = 0
    var folder = "INBOX"
    var seed: UInt64 = 1
    var bigMessageMB = 0
    var addedUsers: [String] = []

    init(_ arguments: [String]) throws {
        var rest = arguments[...]
        guard let command = rest.popFirst(), ["start", "stop"].contains(command) else {
            throw FixtureError.usage("expected 'start' or 'stop'")
        }
        self.command = command
        func value(_ option: String) throws -> String {
            guard let next = rest.popFirst() else { throw FixtureError.usage("\(option) needs a value") }
            return next
        }
        while let option = rest.popFirst() {
            switch option {
            case "--state": state = try value(option)
            case "--layout":
                switch try value(option) {
                case "slash": layout = .slash
                case "dot": layout = .dotWithInboxPrefix
                case let other: throw FixtureError.usage("unknown layout \(other) (slash or dot)")
                }
            case "--no-starttls": starttls = false
            case "--user": user = try value(option)
            case "--add-user":
                let name = try value(option)
                guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                    throw FixtureError.usage("--add-user takes a name of ASCII letters and digits")
                }
                addedUsers.append(name)
            case "--load-samples": samples = try value(option)
            case "--generate":
                guard let count = Int(try value(option)), count >= 0 else { throw FixtureError.usage("--generate N") }
                generate = count
            case "--folder": folder = try value(option)
            case "--big-message":
                guard let megabytes = Int(try value(option)), megabytes > 0 else {
                    throw FixtureError.usage("--big-message MB")
                }
                bigMessageMB = megabytes
            case "--seed":
                guard let parsed = UInt64(try value(option)) else { throw FixtureError.usage("--seed S") }
                seed = parsed
            case "-h", "--help": throw FixtureError.usage("")
            default: throw FixtureError.usage("unknown option \(option)")
            }
        }
        guard state != nil else { throw FixtureError.usage("--state FILE is required") }
    }
}

enum FixtureError: Error, CustomStringConvertible {
    case usage(String)
    case notRunning(String)

    var description: String {
        switch self {
        case .usage(let message): return message.isEmpty ? usageText : "\(message)\n\n\(usageText)"
        case .notRunning(let message): return message
        }
    }
}

func log(_ message: String) {
    FileHandle.standardError.write(Data("dovecot-fixture: \(message)\n".utf8))
}

func writeState(_ server: DovecotServer, to path: String) throws -> Data {
    let object: [String: Any] = [
        "host": server.host,
        "imapPort": server.imapPort,
        "imapsPort": server.imapsPort,
        "pop3Port": server.pop3Port,
        "pop3sPort": server.pop3sPort,
        "caFile": server.caCertificatePath,
        "users": server.options.users.map { ["name": $0.name, "password": $0.password] },
        "directory": server.directory.path,
        "pid": Int(getpid()),
        "dovecotPid": Int(server.pid),
        "configFile": server.configurationPath,
        "layout": server.options.layout == .slash ? "slash" : "dot",
        "delimiter": String(server.hierarchyDelimiter),
        "starttls": server.options.starttls,
    ]
    let json = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    // Written whole and renamed, so a script polling for the file never reads half of it.
    let temporary = path + ".tmp-\(getpid())"
    try json.write(to: URL(fileURLWithPath: temporary))
    guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    return json
}

func start(_ arguments: Arguments) throws -> Never {
    let statePath = arguments.state!
    var options = DovecotServer.Options(starttls: arguments.starttls, layout: arguments.layout)
    options.users += arguments.addedUsers.map { DovecotServer.User($0, "\($0)-pass") }
    let server = try DovecotServer.start(options)
    // From here on SIGTERM/SIGINT stop the server instead of killing the fixture outright: the handler
    // only writes to a pipe (all a signal handler may do), and the main thread waits on that pipe.
    guard pipe(&signalPipe) == 0 else { throw FixtureError.usage("cannot create a pipe") }
    for number in [SIGTERM, SIGINT] {
        signal(number) { received in
            var byte = UInt8(truncatingIfNeeded: received)
            _ = write(signalPipe[1], &byte, 1)
        }
    }
    do {
        if let samples = arguments.samples {
            let count = try server.loadSamples(from: URL(fileURLWithPath: samples), user: arguments.user)
            log("loaded \(count) sample messages for \(arguments.user)")
        }
        if arguments.generate > 0 {
            let started = Date()
            let count = try server.deliver(
                user: arguments.user, folder: arguments.folder,
                messages: Corpus.benchmark(count: arguments.generate, seed: arguments.seed))
            let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
            log("generated \(count) messages into \(arguments.folder) in \(seconds) s")
        }
        if arguments.bigMessageMB > 0 {
            var generator = CorpusGenerator(seed: arguments.seed &+ 1)
            let message = generator.withAttachment(attachmentSize: arguments.bigMessageMB << 20)
            try server.deliver(user: arguments.user, folder: arguments.folder, messages: [message])
            log("delivered one message with a \(arguments.bigMessageMB) MB attachment into \(arguments.folder)")
        }
        let json = try writeState(server, to: statePath)
        FileHandle.standardOutput.write(json + Data("\n".utf8))
    } catch {
        server.stop()
        throw error
    }
    var received: UInt8 = 0
    while read(signalPipe[0], &received, 1) < 0, errno == EINTR {}
    log("stopping (signal \(received))")
    server.stop()
    unlink(statePath)
    exit(0)
}

/// Written by the signal handler, read by the main thread.
nonisolated(unsafe) var signalPipe: [Int32] = [-1, -1]

func stop(_ arguments: Arguments) throws {
    let statePath = arguments.state!
    guard let data = FileManager.default.contents(atPath: statePath),
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
        let pid = object["pid"] as? Int
    else { throw FixtureError.notRunning("no fixture state in \(statePath)") }
    guard kill(pid_t(pid), SIGTERM) == 0 else {
        unlink(statePath)
        throw FixtureError.notRunning("fixture pid \(pid) is not running")
    }
    let deadline = Date().addingTimeInterval(15)
    while kill(pid_t(pid), 0) == 0 && Date() < deadline { usleep(50_000) }
}

do {
    let arguments = try Arguments(Array(CommandLine.arguments.dropFirst()))
    switch arguments.command {
    case "start": try start(arguments)
    default: try stop(arguments)
    }
} catch let error as FixtureError {
    log(error.description)
    exit(2)
} catch {
    log("\(error)")
    exit(1)
}
