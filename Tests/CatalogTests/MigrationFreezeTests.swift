import Foundation
import MailCore
import Testing

/// Released migrations are frozen: catalogs out there already ran them, and GRDB never runs one
/// twice, so an edit would reach new backups only and split the schema in two.
struct MigrationFreezeTests {
    /// SHA-256 of every released file in `migrations/`. A new migration is added here once it is
    /// released (merged to main).
    static let released: [String: String] = [
        "0001_catalog.sql": "9fb5afbdfd2bd5da03db918817b1f420219ec9891ce142f8da2e94c4329ace04",
        "0002_replay.sql": "8bbf31b645ac65f37d8e9b105d976edff6f977d0b18122f3b7889d98bbc007a4",
        "0003_pop3.sql": "8d96c274a6a2a56ad9008faf51aa194ab86e0327c485256c216fea51ef17586d",
        "0004_mbox.sql": "7b3c47a26fc2d0a697855a31a9ff24f3c7b47a5fdc97828e599f614543864b9c",
        "0005_retention.sql": "e88f93b4b38436b1df5c115468ba1b5246fc7883c326319da502a47051577fc4",
    ]

    @Test(arguments: released.keys.sorted())
    func releasedMigrationIsUnchanged(_ name: String) throws {
        let url = MigrationTests.migrationsDirectory.appendingPathComponent(name)
        let bytes = try #require(
            FileManager.default.contents(atPath: url.path),
            "migrations/\(name) was released and is gone: never remove or rename a released migration")
        #expect(
            SHA256Hasher.hash(bytes).hex == Self.released[name],
            "migrations/\(name) changed: never edit a released migration; add the next number")
    }
}
