import ArgumentParser
import Catalog
import Engine
import Foundation

/// `mailferry export DIR --to FILE`: a backup's folders as one tar or zip file.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a backup's folders into a .tar, .tar.gz, .tar.xz, .tar.zst or .zip file (by its name).",
        discussion: """
            Streams: nothing is staged on disk. The file is written as FILE.partial and renamed when \
            complete; an existing FILE is never overwritten. manifest.json, the last entry, lists every \
            message written: account, folder, file, sha256, size, flags, internalDate, uidValidity, uid.
            """
    )

    @Argument(help: "The backup directory.") var directory: String
    @Option(help: "The file to write.") var to: String
    @Option(help: "maildir, mbox or eml.") var format: String = "maildir"
    @Option(help: "Only folders whose name matches this glob (e.g. 'Archive/*').") var folder: String?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard ExportFormat(rawValue: format) != nil else { throw ValidationError("--format must be maildir, mbox or eml") }
    }

    func run() async throws {
        do {
            let catalog = try Catalog.existing(directory: directory)
            let export = BackupExport(reader: ArchiveReader(directory: directory, catalog: catalog))
            let report = try export.run(
                to: to, format: ExportFormat(rawValue: format)!, folder: folder, now: Int64(Date().timeIntervalSince1970))
            for problem in report.skipped {
                FileHandle.standardError.write(Data("mailferry: warning: left out \(problem)\n".utf8))
            }
            if output.json {
                try output.printJSON(report)
            } else if !output.quiet {
                print("\(report.file): \(report.messages) messages (\(ByteCount.format(UInt64(report.bytes)))) as \(format)"
                    + (report.skipped.isEmpty ? "" : ", \(report.skipped.count) left out"))
            }
            if !report.skipped.isEmpty { throw ExitCode(ExitStatus.partialFailure.rawValue) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw output.fail(error)
        }
    }
}
