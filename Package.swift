// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Yardstick",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "YardstickMetrics", targets: ["YardstickMetrics"]),
        .library(name: "YardstickStore", targets: ["YardstickStore"]),
        .library(name: "YardstickAdvisor", targets: ["YardstickAdvisor"]),
        .executable(name: "yardstick", targets: ["yardstick"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(name: "YardstickMetrics"),
        .target(name: "YardstickAdvisor"),
        .target(
            name: "YardstickStore",
            dependencies: [
                "CSQLite",
                "YardstickMetrics",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "yardstick",
            dependencies: [
                "YardstickMetrics",
                "YardstickStore",
                "YardstickAdvisor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "YardstickTestSupport", path: "Tests/YardstickTestSupport"),
        .testTarget(name: "YardstickMetricsTests", dependencies: ["YardstickMetrics", "YardstickTestSupport"]),
        .testTarget(name: "YardstickStoreTests", dependencies: ["YardstickStore", "YardstickTestSupport"]),
        .testTarget(name: "YardstickAdvisorTests", dependencies: ["YardstickAdvisor", "YardstickStore", "YardstickTestSupport"]),
        .testTarget(name: "YardstickCLITests", dependencies: ["YardstickStore", "YardstickTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
