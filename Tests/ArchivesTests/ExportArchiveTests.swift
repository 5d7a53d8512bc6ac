import Archives
import Foundation
import Testing

struct ExportArchiveTests {
    @Test func kindsComeFromTheFileName() {
        #expect(ExportArchive.Kind(fileName: "a.TAR") == .tar)
        #expect(ExportArchive.Kind(fileName: "a.tgz") == .tarGzip)
        #expect(ExportArchive.Kind(fileName: "a.tar.gz") == .tarGzip)
        #expect(ExportArchive.Kind(fileName: "a.tar.xz") == .tarXz)
        #expect(ExportArchive.Kind(fileName: "a.tar.zst") == .tarZstd)
        #expect(ExportArchive.Kind(fileName: "a.zip") == .zip)
        #expect(ExportArchive.Kind(fileName: "a.rar") == nil)
    }

    @Test func aFailedArchiveLeavesNothingAndAnExistingFileIsNeverTouched() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("out.tar.gz").path
        do {
            let archive = try ExportArchive(path: path)
            #expect(throws: ExportError.sizeMismatch("m", expected: 10)) {
                try archive.addFile("m", size: 10, modified: 0) { write in try [UInt8](repeating: 1, count: 4).withUnsafeBytes(write) }
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)

        try Data("keep".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ExportError.exists(path)) { _ = try ExportArchive(path: path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("keep".utf8))
    }
}
