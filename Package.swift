// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "mailferry",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "mailferry", targets: ["mailferry"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CArchive",
            pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]
        ),
        .target(name: "MailCore", dependencies: ["CCrypto"]),
        .target(
            name: "MailTransport",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "IMAPCore",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(
            name: "IMAPClient",
            dependencies: [
                "IMAPCore", "MailTransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "POP3Core",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(
            name: "POP3Client",
            dependencies: [
                "POP3Core", "MailTransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "MIME"),
        .target(name: "Archives", dependencies: ["MailCore", "CArchive"]),
        .executableTarget(name: "migration-embedder"),
        .plugin(name: "EmbedMigrations", capability: .buildTool(), dependencies: ["migration-embedder"]),
        .target(
            name: "Catalog",
            dependencies: ["MailCore", "MIME", .product(name: "GRDB", package: "GRDB.swift")],
            plugins: ["EmbedMigrations"]
        ),
        .target(
            name: "Engine",
            dependencies: [
                "MailCore", "MIME", "Catalog", "Archives", "MailTransport", "IMAPCore", "IMAPClient", "POP3Core",
                "POP3Client",
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "MailFerryCommands",
            dependencies: [
                "Engine", "Catalog", "POP3Client",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "mailferry", dependencies: ["MailFerryCommands"]),
        .target(
            name: "TestSupport",
            dependencies: [
                "MailCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(name: "dovecot-fixture", dependencies: ["TestSupport"]),
        .testTarget(name: "TestSupportTests", dependencies: ["TestSupport"]),
        .testTarget(name: "MailCoreTests", dependencies: ["MailCore"]),
        .testTarget(name: "IMAPCoreTests", dependencies: ["IMAPCore"]),
        .testTarget(name: "MIMETests", dependencies: ["MIME"]),
        .testTarget(name: "POP3CoreTests", dependencies: ["POP3Core", "TestSupport"]),
        .testTarget(
            name: "POP3ClientTests",
            dependencies: ["POP3Client", "POP3Core", "MailTransport", "MailCore", "TestSupport"]
        ),
        .testTarget(name: "CatalogTests", dependencies: ["Catalog", "MailCore"]),
        .testTarget(name: "ArchivesTests", dependencies: ["Archives", "MailCore", "TestSupport"]),
        .testTarget(
            name: "IMAPClientTests",
            dependencies: ["IMAPClient", "IMAPCore", "MailTransport", "MailCore", "TestSupport"]
        ),
        .testTarget(
            name: "EngineTests",
            dependencies: [
                "Engine", "Catalog", "Archives", "IMAPClient", "IMAPCore", "POP3Client", "MailCore", "MailTransport",
                "TestSupport",
            ]
        ),
        .testTarget(name: "LayeringTests"),
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport", "Catalog", "MailCore"]),
    ]
)
