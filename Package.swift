// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Yardstick",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "YardstickMetrics", targets: ["YardstickMetrics"]),
        .library(name: "YardstickLogs", targets: ["YardstickLogs"]),
        .library(name: "YardstickStore", targets: ["YardstickStore"]),
        .library(name: "YardstickAdvisor", targets: ["YardstickAdvisor"]),
        .library(name: "YardstickRunner", targets: ["YardstickRunner"]),
        .library(name: "YardstickReport", targets: ["YardstickReport"]),
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
        // libpq, PostgreSQL's own client library, for team stores on a server (`--db postgres://…`).
        .systemLibrary(
            name: "CPostgres",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(name: "YardstickMetrics"),
        // Training-log parsers: Foundation only, so curve tools can read logs without linking SQLite.
        .target(name: "YardstickLogs"),
        // Curve diagnoses and tuning advice: pure functions over training logs, no database.
        .target(name: "YardstickAdvisor", dependencies: ["YardstickLogs"]),
        .target(
            name: "YardstickStore",
            dependencies: ["CSQLite", "CPostgres", "YardstickMetrics", "YardstickLogs"]
        ),
        // Held-out sets, model providers, the response cache and concurrent, resumable evaluation.
        .target(name: "YardstickRunner", dependencies: ["YardstickMetrics", "YardstickLogs", "YardstickStore"]),
        // HTML/Markdown reports with inline SVG charts: reads the store, renders strings, writes nothing itself.
        .target(name: "YardstickReport", dependencies: ["YardstickStore", "YardstickMetrics", "YardstickAdvisor"]),
        .executableTarget(
            name: "yardstick",
            dependencies: [
                "YardstickMetrics",
                "YardstickStore",
                "YardstickAdvisor",
                "YardstickRunner",
                "YardstickReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "YardstickTestSupport", dependencies: ["YardstickStore"], path: "Tests/YardstickTestSupport"),
        .testTarget(name: "YardstickMetricsTests", dependencies: ["YardstickMetrics", "YardstickTestSupport"]),
        .testTarget(name: "YardstickLogsTests", dependencies: ["YardstickLogs", "YardstickTestSupport"]),
        .testTarget(name: "YardstickStoreTests", dependencies: ["YardstickStore", "YardstickMetrics", "YardstickTestSupport"]),
        .testTarget(name: "YardstickAdvisorTests", dependencies: ["YardstickAdvisor", "YardstickLogs", "YardstickTestSupport"]),
        .testTarget(name: "YardstickRunnerTests", dependencies: ["YardstickRunner", "YardstickStore", "YardstickTestSupport"]),
        .testTarget(name: "YardstickReportTests", dependencies: ["YardstickReport", "YardstickStore", "YardstickTestSupport"]),
        .testTarget(name: "YardstickCLITests", dependencies: ["YardstickStore", "YardstickTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
