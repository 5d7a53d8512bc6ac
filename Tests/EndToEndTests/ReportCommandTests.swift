import Foundation
import TestSupport
import Testing

/// Every run of a backup job leaves `DIR/reports/<run>.json`; `mailferry report` shows the latest or
/// a given one.
struct ReportCommandTests {
    @Test func everyRunLeavesAnOwnerOnlyReportThatReportRenders() async throws {
        let server = try await DovecotServer.started()
        let jobs = try JobDirectory()
        defer { jobs.remove() }
        var generator = CorpusGenerator(seed: 7)
        try server.deliver(
            user: "alice", folder: "INBOX", messages: (0..<5).map { _ in generator.message(ofSize: 1_500) })
        try server.createFolder(user: "alice", name: "Archive")
        let (path, backup) = try jobs.writeBackupJob(server)
        let env = ["MAILFERRY_TEST_PASSWORD": "alice-pass"]

        let first = try await MailFerryCLI.running(["run", path, "--quiet"], environment: env)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.isEmpty)
        try server.deliver(user: "alice", folder: "INBOX", messages: [generator.message(ofSize: 900)])
        let second = try await MailFerryCLI.running(["run", path, "--quiet"], environment: env)
        #expect(second.status == 0, "\(second.stderr)")

        let reports = URL(fileURLWithPath: backup).appendingPathComponent("reports")
        let names = try FileManager.default.contentsOfDirectory(atPath: reports.path).sorted()
        #expect(names.count == 2, "\(names)")
        for name in names {
            let attributes = try FileManager.default.attributesOfItem(atPath: reports.appendingPathComponent(name).path)
            #expect((attributes[.posixPermissions] as? Int) == 0o600, "\(name)")
        }
        let folderAttributes = try FileManager.default.attributesOfItem(atPath: reports.path)
        #expect((folderAttributes[.posixPermissions] as? Int) == 0o700)

        let firstFile = try Data(contentsOf: reports.appendingPathComponent(names[0]))
        let firstReport = try #require(try JSONSerialization.jsonObject(with: firstFile) as? [String: Any])
        #expect(firstReport["outcome"] as? String == "success")
        #expect((firstReport["seconds"] as? Double).map { $0 > 0 } == true)
        let folders = try #require(firstReport["folders"] as? [[String: Any]])
        #expect(folders.first { $0["name"] as? String == "INBOX" }?["newMessages"] as? Int == 5)
        #expect(folders.contains { $0["name"] as? String == "Archive" })
        #expect(!String(decoding: firstFile, as: UTF8.self).contains("alice-pass"))

        let latest = try await MailFerryCLI.running(["report", backup])
        #expect(latest.status == 0, "\(latest.stderr)")
        #expect(latest.stdout.contains("nightly: success: 1 new messages"), "\(latest.stdout)")
        let runID = try #require(firstReport["run"] as? Int)
        let given = try await MailFerryCLI.running(["report", backup, "--run", String(runID), "--json"])
        #expect(given.status == 0, "\(given.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(given.stdout.utf8)) as? [String: Any])
        #expect(object["run"] as? Int == runID)
        #expect(
            (object["folders"] as? [[String: Any]])?.first { $0["name"] as? String == "INBOX" }?["newMessages"] as? Int
                == 5)

        let unknown = try await MailFerryCLI.running(["report", backup, "--run", "999"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no report for run 999"))
        let none = try await MailFerryCLI.running(["report", jobs.url.path])
        #expect(none.status == 2)
        #expect(none.stderr.contains("no run reports"))

        // A run that cannot log in still leaves its report, saying why.
        let refused = try await MailFerryCLI.running(
            ["run", path, "--quiet"], environment: ["MAILFERRY_TEST_PASSWORD": "wrong"])
        #expect(refused.status == 3)
        let failed = try await MailFerryCLI.running(["report", backup, "--json"])
        let failedObject = try #require(
            try JSONSerialization.jsonObject(with: Data(failed.stdout.utf8)) as? [String: Any])
        #expect(failedObject["outcome"] as? String == "failed")
        #expect((failedObject["error"] as? String)?.isEmpty == false)

        let all = try FileManager.default.contentsOfDirectory(atPath: reports.path).sorted()
        #expect(all.count == 3)
        let invalid = try Self.schemaViolations(all.map { reports.appendingPathComponent($0).path })
        #expect(invalid.isEmpty, "\(invalid)")
        await server.stopped()
    }

    static let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("schemas/run-report.schema.json").path

    /// What Python's jsonschema (an independent validator) finds wrong in the files: empty when all
    /// are valid against `schema` (schemas/run-report.schema.json unless told).
    static func schemaViolations(_ files: [String], schema: String = schema) throws -> String {
        let script = """
            import json, sys
            import jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft7Validator.check_schema(schema)
            for path in sys.argv[2:]:
                for error in jsonschema.Draft7Validator(schema).iter_errors(json.load(open(path))):
                    print(path, list(error.absolute_path), error.message)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, schema] + files
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            return "python3 with jsonschema (script/bootstrap installs python3-jsonschema) failed: \(text)"
        }
        return text
    }
}
