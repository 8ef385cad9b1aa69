// swift-tools-version:6.0
import PackageDescription

/// One settings array for every Swift target: strict, explicit imports.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "tokend",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tokend", targets: ["tokend"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // bcrypt only (HummingbirdBcrypt and its C target): the rest of hummingbird is not built.
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
    ],
    targets: [
        // libfcgi from Debian's libfcgi-dev, through a module map and a shim header.
        .systemLibrary(name: "CFastCGI", pkgConfig: "fcgi", providers: [.apt(["libfcgi-dev"])]),
        // libpq from Debian's libpq-dev, the same way: the PostgreSQL store's driver.
        .systemLibrary(name: "CPostgres", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // The domain: users, tokens, scopes, expiry, rotation, permissions. No I/O.
        .target(
            name: "TokenCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            swiftSettings: swiftSettings
        ),
        // A small strict JSON parser and an ordered writer, shared by the store and the API.
        .target(name: "JSON", swiftSettings: swiftSettings),
        // The audit log's line format and HMAC chain, shared by every store backend and `tokend audit`.
        .target(
            name: "TokenAudit",
            dependencies: ["TokenCore", "JSON"],
            swiftSettings: swiftSettings
        ),
        // The records' one declaration of their fields (``RecordSchema``), and what it drives
        // that every backend shares: the JSON coding, the fast decoder, change and export lines.
        .target(
            name: "TokenRecords",
            dependencies: ["TokenCore", "TokenAudit", "JSON", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // The file-locked JSON store (snapshot + journal) behind TokenRepository.
        .target(
            name: "TokenStore",
            dependencies: ["TokenCore", "TokenRecords", "TokenAudit", "JSON", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // The PostgreSQL store behind TokenRepository: several hosts on one database.
        .target(
            name: "PostgresStore",
            dependencies: ["CPostgres", "TokenCore", "TokenRecords", "TokenAudit", "JSON", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // GitLab's REST surface: routes, parameters, entities, error bodies. No libfcgi.
        .target(
            name: "TokenAPI",
            dependencies: [
                "TokenCore", "JSON", .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.embedInCode("openapi.json"), .embedInCode("Web/Assets/tokend.css"), .embedInCode("Web/Assets/tokend.js")],
            swiftSettings: swiftSettings
        ),
        // FastCGI and CGI transport around TokenAPI.
        .target(
            name: "FastCGIServer",
            dependencies: [
                "CFastCGI", "TokenAPI", "TokenCore", "JSON", .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Settings: flags, environment and config file resolved once, purely, into one value.
        .target(
            name: "TokendSettings",
            dependencies: ["TokenCore", "FastCGIServer", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "tokend",
            dependencies: [
                "TokenCore", "TokenRecords", "TokenStore", "TokenAudit", "PostgresStore", "TokenAPI", "FastCGIServer", "JSON", "TokendSettings",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings,
            plugins: ["BuildCommit"]
        ),
        // Writes the commit a build is made from into `tokend` (`tokend --version`).
        .plugin(name: "BuildCommit", capability: .buildTool()),
        // An in-process client and fixtures for handler tests.
        .target(
            name: "TokendTesting",
            dependencies: [
                "TokenAPI", "TokenCore", "JSON", .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "TokenCoreTests", dependencies: ["TokenCore", "JSON", "TokendTesting", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: swiftSettings),
        .testTarget(
            name: "TokenAPITests",
            dependencies: [
                "TokenAPI", "TokenCore", "TokenStore", "JSON", "TokendTesting",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TransportTests",
            dependencies: ["FastCGIServer", "TokenAPI", "TokenCore", "JSON", .product(name: "HTTPTypes", package: "swift-http-types")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SettingsTests",
            dependencies: ["TokendSettings", "TokenCore", "FastCGIServer", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TokenStoreTests", dependencies: ["TokenStore", "TokenRecords", "TokenAudit", "TokenCore", "JSON", "TokendTesting"], swiftSettings: swiftSettings),
        .testTarget(
            name: "PostgresStoreTests", dependencies: ["PostgresStore", "CPostgres", "TokenRecords", "TokenCore", "JSON"], swiftSettings: swiftSettings),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["JSON", "TokendTesting", "TokenCore", "TokenStore", "PostgresStore"],
            exclude: ["Help"],
            swiftSettings: swiftSettings
        ),
    ]
)
