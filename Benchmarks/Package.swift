// swift-tools-version: 6.0
// Benchmarks for Yardstick's Swift store API. A separate package so that `swift build` and
// `swift test` of Yardstick (and CI) never compile it; `make bench` builds it in release mode.
import PackageDescription

let package = Package(
    name: "YardstickBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "Yardstick", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "StoreBench",
            dependencies: [.product(name: "YardstickStore", package: "Yardstick")]
        ),
        .executableTarget(
            name: "AdvisorBench",
            dependencies: [.product(name: "YardstickAdvisor", package: "Yardstick")]
        ),
        .executableTarget(
            name: "ReportBench",
            dependencies: [.product(name: "YardstickReport", package: "Yardstick"), .product(name: "YardstickStore", package: "Yardstick")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
