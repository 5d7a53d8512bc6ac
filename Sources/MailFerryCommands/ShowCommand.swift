import ArgumentParser
import Catalog
import Engine
import Foundation

/// `mailferry show DIR ID`: one message of a backup.
struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a message of a backup (the id comes from `mailferry search`).",
        discussion: "Every form is read from an archived copy that matches the message's SHA-256."
    )

    @Argument(help: "The backup directory.") var directory: String
    @Argument(help: "The message's id.") var id: Int64
    @Flag(help: "Print the message's exact bytes, as the server sent them.") var raw = false
    @Flag(help: "Print the message's header block, exactly as stored.") var headers = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if raw && headers { throw ValidationError("--raw and --headers exclude each other") }
        if output.json && (raw || headers) { throw ValidationError("--json shows the readable form; it goes without --raw and --headers") }
    }

    func run() async throws {
        do {
            let catalog = try Catalog.existing(directory: directory)
            let reader = ArchiveReader(directory: directory, catalog: catalog)
            if raw || headers {
                let write: (UnsafeRawBufferPointer) throws -> Void = { FileHandle.standardOutput.write(Data($0)) }
                if raw {
                    try reader.withVerifiedBytes(ofMessage: id, write)
                } else {
                    try reader.withVerifiedHeader(ofMessage: id, write)
                }
                return
            }
            guard let hit = try catalog.hit(id: id) else { throw ArchiveReadError.noSuchMessage(id) }
            let message = try reader.readable(message: id)
            if output.json {
                try output.printJSON(ShownMessage(message: hit, content: message))
                return
            }
            var lines: [String] = []
            for (name, value) in [
                ("Date", message.date), ("From", message.from), ("To", message.to), ("Cc", message.cc),
                ("Subject", message.subject),
            ] {
                if let value, !value.isEmpty { lines.append("\(name): \(value)") }
            }
            lines.append("Folders: " + hit.folders.joined(separator: ", "))
            lines.append("Size: \(ByteCount.format(UInt64(hit.size)))" + (message.hasAttachments ? ", with attachments" : ""))
            lines.append("")
            lines.append(message.text)
            if message.textTruncated { lines.append("[… text cut short; --raw prints the whole message]") }
            print(lines.joined(separator: "\n"))
        } catch {
            throw output.fail(error)
        }
    }
}

/// `show --json`: the catalog's facts and the readable content.
struct ShownMessage: Encodable {
    var message: SearchHit
    var content: ReadableMessage
}
