import ArgumentParser
import Engine
import Foundation

/// `mailferry import SOURCE --into DIR --account NAME`: existing mail into a backup.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Bring existing mail (mbox, Maildir, .eml, Thunderbird, Google Takeout, a mailferry export, or any of them in a .zip/.tar.*) into a backup.",
        discussion: """
            Each message is stored as backed-up mail is (Maildir file, mbox entry, catalog row, search \
            index) and recorded as a run. Importing twice adds nothing: a message whose bytes (SHA-256) \
            the folder already holds is not added again. Messages that cannot be read are reported one by \
            one and left out; the rest goes on, and the exit status is then 1. Archives are read as a \
            stream: nothing is extracted to disk. \
            mbox: `>From ` lines are unquoted as mboxrd when mailferry wrote the file (an export), else as \
            mboxo, which only undoes the quoting every writer does (`From ` to `>From `); \
            --mbox-variant decides instead.
            """
    )

    @Argument(help: "A file, a directory or an archive (.zip, .tar, .tgz, .tar.gz, .tar.xz, .tar.zst).") var source: String
    @Option(help: "The backup directory (created when missing).") var into: String
    @Option(help: "The account the mail belongs to in the backup.") var account: String
    @Option(help: "Archive formats, comma-separated: maildir, mbox (default: what DIR has, else maildir).") var formats: String?
    @Option(help: "The folder for a single mbox file or a directory of .eml files (default: from the name).") var folder: String?
    @Option(help: "mboxrd or mboxo (default: mboxrd for a mailferry export, else mboxo).") var mboxVariant: String?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let mboxVariant, ImportMboxVariant(rawValue: mboxVariant) == nil {
            throw ValidationError("--mbox-variant must be mboxrd or mboxo")
        }
        if let formats {
            let list = formats.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !list.isEmpty, list.allSatisfy({ $0 == "maildir" || $0 == "mbox" }) else {
                throw ValidationError("--formats must be maildir, mbox or maildir,mbox")
            }
        }
        guard !account.isEmpty else { throw ValidationError("--account must not be empty") }
    }

    func run() async throws {
        let job = ImportJob(
            source: source, directory: into, account: account,
            formats: formats.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } },
            folder: folder, mboxVariant: mboxVariant.flatMap(ImportMboxVariant.init(rawValue:)))
        let report: ImportReport
        do {
            report = try job.run()
        } catch let failed as ImportFailed {
            print(failed.report)
            throw output.fail(failed.underlying)
        } catch {
            throw output.fail(error)
        }
        for problem in report.skipped {
            FileHandle.standardError.write(Data("mailferry: warning: left out \(problem)\n".utf8))
        }
        if output.json {
            try output.printJSON(report)
        } else if !output.quiet {
            print(report)
        }
        if !report.skipped.isEmpty { throw ExitCode(ExitStatus.partialFailure.rawValue) }
    }

    func print(_ report: ImportReport) {
        guard !output.json, !output.quiet else { return }
        Swift.print(
            "\(report.source): \(report.messages) messages (\(ByteCount.format(UInt64(report.bytes)))) into "
                + "\(report.folders.count) folders of \(report.account), \(report.alreadyThere) already there"
                + (report.skipped.isEmpty ? "" : ", \(report.skipped.count) left out"))
        for (folder, count) in report.folders.sorted(by: { $0.key < $1.key }) { Swift.print("  \(folder): \(count)") }
        for note in report.notes { Swift.print("  note: \(note)") }
    }
}
