// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Yardstick",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "YardstickMetrics", targets: ["YardstickMetrics"]),
        .library(name: "YardstickLogs", targets: ["YardstickLogs"]),
        .library(name: "YardstickStore", targets: ["YardstickStore"]),
        .executable(name: "yardstick", targets: ["yardstick"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(name: "YardstickMetrics"),
        // Training-log parsers: Foundation only, so curve tools can read logs without linking SQLite.
        .target(name: "YardstickLogs"),
        .target(
            name: "YardstickStore",
            dependencies: ["CSQLite", "YardstickMetrics", "YardstickLogs"]
        ),
        .executableTarget(
            name: "yardstick",
            dependencies: [
                "YardstickMetrics",
                "YardstickStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "YardstickTestSupport", path: "Tests/YardstickTestSupport"),
        .testTarget(name: "YardstickMetricsTests", dependencies: ["YardstickMetrics", "YardstickTestSupport"]),
        .testTarget(name: "YardstickLogsTests", dependencies: ["YardstickLogs", "YardstickTestSupport"]),
        .testTarget(name: "YardstickStoreTests", dependencies: ["YardstickStore", "YardstickMetrics", "YardstickTestSupport"]),
        .testTarget(name: "YardstickCLITests", dependencies: ["YardstickStore", "YardstickTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
