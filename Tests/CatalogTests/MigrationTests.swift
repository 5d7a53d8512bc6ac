import Foundation
import GRDB
import Testing

@testable import Catalog

struct MigrationTests {
    static var migrationsDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("migrations")
    }

    @Test func everyFileInMigrationsIsEmbeddedVerbatim() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.migrationsDirectory.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(Catalog.migrations.map(\.name) == files.map { String($0.dropLast(4)) })
        for (name, sql) in Catalog.migrations {
            let onDisk = try String(contentsOf: Self.migrationsDirectory.appendingPathComponent(name + ".sql"), encoding: .utf8)
            #expect(sql == onDisk, "\(name) differs from migrations/\(name).sql")
        }
    }

    @Test func catalogIsOwnerOnlyAndMigrated() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let catalog = try Catalog(directory: directory.path)
        #expect(try catalog.appliedMigrations() == Catalog.migrations.map(\.name))
        var info = stat()
        #expect(stat(catalog.path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        // Opening again applies nothing twice.
        let again = try Catalog(directory: directory.path)
        #expect(try again.appliedMigrations() == Catalog.migrations.map(\.name))
        let journal = try again.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")
    }

    /// Two branches each add a migration (0002 and 0003): a catalog that got 0003 first still
    /// takes 0002 when a binary carrying both opens it, and nothing runs twice.
    @Test func aMigrationThatArrivesLateIsStillApplied() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pool = try DatabasePool(path: directory.appendingPathComponent("catalog.sqlite").path)
        let first = Catalog.migrations.filter { $0.name != "0002_other_branch" }
        #expect(first.contains { $0.name == "0003_pop3" })
        try Catalog.migrate(pool, migrations: first)
        let late = ("0002_other_branch", "CREATE TABLE other_branch (id INTEGER PRIMARY KEY);")
        let all = (first + [late]).sorted { $0.name < $1.name }
        try Catalog.migrate(pool, migrations: all)
        let applied = try pool.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") }
        #expect(applied == all.map(\.name))
        #expect(try pool.read { db in try db.tableExists("other_branch") && db.tableExists("pop3_uidls") })
        try Catalog.migrate(pool, migrations: all)
    }
}
