// swift-tools-version:6.1
import PackageDescription

// Layers (see ../shared/docs/ARCHITECTURE.md): Core ← Storage, Platform ← Server ← executable.
// A target may only import what it lists here, which is how the layering is enforced.
let package = Package(
    name: "distillery",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "distillery", targets: ["distillery"]),
        .executable(name: "distillery-bench", targets: ["DistilleryBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        .systemLibrary(name: "CMicroHTTPD", pkgConfig: "libmicrohttpd", providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),

        .target(name: "DistilleryCore"),
        .target(name: "DistilleryStorage", dependencies: ["DistilleryCore", "CSQLite"]),
        .target(name: "DistilleryPlatform", dependencies: ["DistilleryCore", "CMicroHTTPD", "CCurl", "CSodium"]),
        .target(
            name: "DistilleryResources",
            path: "Resources",
            exclude: ["README.md"],
            sources: ["EmbeddedResources.swift"],
            resources: [.embedInCode("templates"), .embedInCode("static"), .embedInCode("catalog")]
        ),
        .target(
            name: "DistilleryServer",
            dependencies: [
                "DistilleryCore", "DistilleryStorage", "DistilleryPlatform", "DistilleryResources",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        .executableTarget(
            name: "distillery",
            dependencies: [
                "DistilleryServer", "DistilleryCore", "DistilleryPlatform",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "DistilleryBench",
            dependencies: [
                "DistilleryServer", "DistilleryCore", "DistilleryPlatform", "DistilleryStorage", "DistilleryTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // The fake teacher server as a child process, shared by the tests and the benchmarks.
        .target(name: "DistilleryTestSupport", dependencies: ["DistilleryPlatform"], path: "Tests/DistilleryTestSupport"),
        .testTarget(name: "DistilleryCoreTests", dependencies: ["DistilleryCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DistilleryStorageTests", dependencies: ["DistilleryStorage", "DistilleryCore"]),
        .testTarget(name: "DistilleryPlatformTests", dependencies: ["DistilleryPlatform", "DistilleryCore", "DistilleryTestSupport"]),
        .testTarget(
            name: "DistilleryServerTests",
            dependencies: [
                "DistilleryServer", "DistilleryCore", "DistilleryStorage", "DistilleryPlatform", "DistilleryResources", "DistilleryTestSupport",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
