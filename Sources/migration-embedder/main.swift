import Foundation

// Writes a Swift file holding the catalog migrations: `migration-embedder OUTPUT FILE.sql...`.
let arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.first else {
    FileHandle.standardError.write(Data("usage: migration-embedder OUTPUT FILE.sql...\n".utf8))
    exit(64)
}
var swift = "// Generated from migrations/*.sql by migration-embedder. Do not edit.\n\n"
swift += "enum EmbeddedMigrations {\n    static let all: [(name: String, sql: String)] = [\n"
for path in arguments.dropFirst() {
    let url = URL(fileURLWithPath: path)
    let sql = try String(contentsOf: url, encoding: .utf8)
    var hashes = "#"
    while sql.contains("\"" + hashes) { hashes += "#" }
    let name = url.deletingPathExtension().lastPathComponent
    swift += "        (\"\(name)\", \(hashes)\"\"\"\n\(sql)\n\"\"\"\(hashes)),\n"
}
swift += "    ]\n}\n"
try Data(swift.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
