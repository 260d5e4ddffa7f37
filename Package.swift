// swift-tools-version: 6.0
// The Ngenea Hub re-implementation: hub daemon, worker daemon, PixStor sandbox.
// Module graph and reasons: docs/architecture.md (and ../shared/DESIGN.md section 2).
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "ngenea-hub",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ngeneahub", targets: ["HubServer"]),
        .executable(name: "ngenea-worker", targets: ["Worker"]),
        .executable(name: "ngsim", targets: ["Sandbox"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.4.0"),
    ],
    targets: [
        // C libraries from the system (apt packages named in `providers`).
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // glibc's malloc.h (allocator tuning), part of libc.
        .systemLibrary(name: "CMalloc"),

        // The wire format between hub and workers: Codable values, Foundation only.
        .target(name: "Shared", swiftSettings: swiftSettings),
        // hiredis wrapped safely plus the reliable queue on Redis Streams.
        .target(
            name: "RedisQueue",
            dependencies: ["CHiredis", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // libpq wrapped safely: pool, parameterised queries, transactions, migrations.
        .target(
            name: "Postgres",
            dependencies: ["CLibPQ", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // The domain and the engine as pure state machines. No HTTP, SQL, Redis or C here.
        .target(
            name: "HubCore",
            dependencies: ["Shared", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // ngeneahub: the adapters (HTTP routes, PostgreSQL store, Redis dispatcher, services).
        .executableTarget(
            name: "HubServer",
            dependencies: [
                "Shared", "HubCore", "RedisQueue", "Postgres", "COpenSSL", "CMalloc",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // ngenea-worker: consumes <site>.<queue>#<function> queues and runs tasks with the tools.
        .executableTarget(
            name: "Worker",
            dependencies: [
                "Shared", "RedisQueue",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // ngsim: the PixStor sandbox. Glibc only (no Foundation) so that it starts fast: it runs once per batch.
        .executableTarget(name: "Sandbox", swiftSettings: swiftSettings),

        .testTarget(name: "SharedTests", dependencies: ["Shared"], resources: [.copy("Golden")], swiftSettings: swiftSettings),
        .testTarget(name: "RedisQueueTests", dependencies: ["RedisQueue"], swiftSettings: swiftSettings),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres"], swiftSettings: swiftSettings),
        .testTarget(name: "SandboxTests", dependencies: [], swiftSettings: swiftSettings),
        .testTarget(name: "HubCoreTests", dependencies: ["HubCore"], swiftSettings: swiftSettings),
        // Pieces of the hub: password hashing vectors, JWT, pagination, permission rules; the engine's stores
        // against the test database and Redis.
        .testTarget(
            name: "HubServerTests",
            dependencies: ["HubServer", "HubCore", "Shared", "RedisQueue", "Postgres", .product(name: "HTTPTypes", package: "swift-http-types")],
            swiftSettings: swiftSettings),
        .testTarget(name: "WorkerTests", dependencies: ["Worker", "Shared"], swiftSettings: swiftSettings),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["Shared", "RedisQueue", "Postgres", "HubCore"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
