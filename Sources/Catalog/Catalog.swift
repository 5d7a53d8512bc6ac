import Foundation
import GRDB

/// Why the catalog could not be used.
public enum CatalogError: Error, Sendable, CustomStringConvertible {
    case cannotCreate(path: String, reason: String)
    case database(String)
    /// The catalog was written by a newer mailferry that knows migrations this one does not.
    case newerSchema(unknown: [String])
    case noBackup(directory: String)
    /// A `search` filter that SQLite's full-text engine cannot parse.
    case badSearch(query: String, reason: String)

    public var description: String {
        switch self {
        case .cannotCreate(let path, let reason): "cannot create the catalog \(path): \(reason)"
        case .database(let message): "catalog: \(message)"
        case .noBackup(let directory): "\(directory) holds no backup (no catalog.sqlite)"
        case .badSearch(let query, let reason):
            "the search \"\(query)\" is not a valid full-text query (\(reason)); quote words with \"…\" or see SQLite FTS5 syntax"
        case .newerSchema(let unknown):
            "the catalog was written by a newer mailferry (unknown migrations \(unknown.joined(separator: ", "))); upgrade mailferry"
        }
    }
}

/// The SQLite catalog of a backup directory (`DIR/catalog.sqlite`): one pool per process.
public final class Catalog: Sendable {
    public let path: String
    public let pool: DatabasePool

    /// The migrations this binary carries, in order, from `migrations/*.sql`.
    public static var migrations: [(name: String, sql: String)] { EmbeddedMigrations.all }

    /// Opens (creating, owner-only) the catalog and brings its schema up to date.
    public init(path: String) throws {
        self.path = path
        try Self.createOwnerOnly(path)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        // One writer and a couple of readers are all a run uses; small page caches keep memory flat.
        configuration.maximumReaderCount = 2
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA cache_size = -1024")
            db.add(function: Catalog.containsFunction)
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrate(pool)
        } catch let error as CatalogError {
            throw error
        } catch {
            throw CatalogError.database("\(error)")
        }
        for suffix in ["-wal", "-shm"] { chmod(path + suffix, 0o600) }
    }

    /// `DIR/catalog.sqlite`.
    public convenience init(directory: String) throws {
        try self.init(path: (directory as NSString).appendingPathComponent("catalog.sqlite"))
    }

    /// Opens the catalog of an existing backup directory, never creating one.
    public static func existing(directory: String) throws -> Catalog {
        let path = (directory as NSString).appendingPathComponent("catalog.sqlite")
        guard FileManager.default.fileExists(atPath: path) else { throw CatalogError.noBackup(directory: directory) }
        return try Catalog(path: path)
    }

    static func createOwnerOnly(_ path: String) throws {
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw CatalogError.cannotCreate(path: path, reason: String(cString: strerror(errno)))
        }
        fchmod(descriptor, 0o600)
        close(descriptor)
    }

    /// Applies what is missing. A catalog may hold a later migration without an earlier one (two
    /// branches each added one); the earlier one is then applied too: migrations are independent.
    static func migrate(_ pool: DatabasePool, migrations: [(name: String, sql: String)] = Catalog.migrations) throws {
        var migrator = DatabaseMigrator()
        for migration in migrations {
            migrator.registerMigration(migration.name) { db in
                try db.execute(sql: migration.sql)
            }
        }
        let known = Set(migrations.map(\.name))
        let applied = try pool.read { db in try migrator.appliedIdentifiers(db) }
        let unknown = applied.subtracting(known)
        guard unknown.isEmpty else { throw CatalogError.newerSchema(unknown: unknown.sorted()) }
        try migrator.migrate(pool)
    }

    /// The names of the migrations applied to this catalog.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
        }
    }
}
