// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Charter",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "charter", targets: ["charter"]),
        .executable(name: "charter-bench", targets: ["charter-bench"]),
        .executable(name: "charter-netbridge", targets: ["charter-netbridge"]),
        .library(name: "CharterControl", targets: ["CharterControl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // System libraries, found through pkg-config and installed by `.ci/run`.
        .systemLibrary(name: "CGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "CLibYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        // ICU's TR39 spoof checker and script property (Debian's libicu-dev), behind four C functions.
        .target(
            name: "CUnicodeSecurity",
            linkerSettings: [.linkedLibrary("icui18n"), .linkedLibrary("icuuc")]
        ),

        // Library modules, one per concern; dependencies point one way (see docs/ARCHITECTURE.md).
        // The small pieces every layer may use, each written once: locks, the locked value box, the wall
        // clock, the calendar and timestamp codec, the seeded generator, backoff arithmetic, redaction.
        .target(name: "CharterFoundation", dependencies: ["CUnicodeSecurity"]),
        // How every SQLite file is opened (GRDB, WAL, synchronous NORMAL, busy timeout) and its errors read.
        .target(name: "CharterSQLite", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "CharterGit", dependencies: ["CGit2", "CharterFoundation"]),
        .target(name: "CharterYAML", dependencies: ["CLibYAML"]),
        .target(name: "CharterCron", dependencies: ["CharterFoundation"]),
        .target(
            name: "CharterModel",
            dependencies: [
                "CharterYAML", "CharterCron", "CharterFoundation", .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(name: "CharterPlan", dependencies: ["CharterModel"]),
        .target(
            name: "CharterGovernance",
            dependencies: [
                "CharterModel", "CharterPlan", "CharterFoundation", .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "CharterStore",
            dependencies: [
                "CharterModel", "CharterPlan", "CharterGovernance", "CharterFoundation", "CharterSQLite",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .target(
            name: "CharterStatus",
            dependencies: [
                "CZlib", "CharterModel", "CharterGit", "CharterStore",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Routines: scheduling (cron ticks → runs), shell processes, LLM providers, the workflow engine.
        .target(name: "CharterScheduling", dependencies: ["CharterCron", "CharterModel", "CharterFoundation"]),
        .target(name: "CharterShell", dependencies: ["CSeccomp", "CharterFoundation"]),
        .target(name: "CharterTools", dependencies: ["CharterModel", "CharterFoundation"]),
        // MCP tool servers as agent tools: the protocol client (MCP swift-sdk), stdio and streamable HTTP transports.
        .target(
            name: "CharterMCP",
            dependencies: [
                "CharterTools", "CharterModel", "CharterFoundation", .product(name: "MCP", package: "swift-sdk"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The controller's egress proxy for sandboxed steps: CONNECT over a unix socket, EgressRules decide.
        .target(
            name: "CharterEgress",
            dependencies: [
                "CharterModel", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // Metrics: the names, labels and recording helpers every library module uses, over swift-metrics'
        // facade only; the process picks the backend (CharterPrometheus in `charter controller`).
        .target(name: "CharterMetrics", dependencies: [.product(name: "Metrics", package: "swift-metrics")]),
        .target(
            name: "CharterBroker",
            dependencies: [
                "CharterModel", "CharterFoundation", "CharterSQLite", "CharterMetrics",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .target(
            name: "CharterEngine",
            dependencies: [
                "CharterModel", "CharterStore", "CharterScheduling", "CharterFoundation", "CharterSQLite",
                "CharterMetrics", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The controller's HTTP front door: webhooks that trigger a fetch, health.
        .target(
            name: "CharterServer",
            dependencies: [
                "CharterMetrics",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "CharterControl",
            dependencies: [
                "CharterGit", "CharterYAML", "CharterModel", "CharterPlan", "CharterStore", "CharterGovernance",
                "CharterStatus", "CharterScheduling", "CharterEngine", "CharterShell", "CharterEgress", "CharterBroker",
                "CharterTools", "CharterMCP", "CharterFoundation", "CharterMetrics",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
                // Notifications post webhooks with the providers' client (no redirects, bounded).
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // web.fetch speaks HTTP/1.1 and TLS itself over an egress-proxy tunnel.
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),

        // The JSON API under /api/v1 on the controller's HTTP server; its contract is schemas/openapi.yaml.
        .target(
            name: "CharterAPI",
            dependencies: [
                "CharterControl", "CharterServer", "CharterFoundation",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),

        // `/metrics`: the Prometheus registry the controller bootstraps swift-metrics with, and its route.
        .target(
            name: "CharterPrometheus",
            dependencies: [
                "CharterMetrics", "CharterServer", .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),

        // The dashboard at `/`: server-rendered HTML pages from the same views as the API and the CLI.
        .target(
            name: "CharterDashboard",
            dependencies: [
                "CharterControl", "CharterServer", "CharterFoundation",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),

        // Thin executables over the library modules.
        .executableTarget(
            name: "charter",
            dependencies: [
                "CharterControl", "CharterGovernance", "CharterStore", "CharterScheduling", "CharterEngine",
                "CharterBroker", "CharterServer", "CharterFoundation", "CharterAPI", "CharterPrometheus",
                "CharterDashboard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "charter-bench",
            dependencies: [
                "CharterControl", "CharterYAML", "CharterGit", "CharterEngine", "CharterBroker", "CharterTools",
                "CharterFoundation", "CharterDashboard",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        // Runs inside the sandbox, where only /usr exists: plain C, no Swift runtime.
        .executableTarget(
            name: "charter-netbridge",
            cSettings: [.unsafeFlags(["-Wall", "-Wextra", "-Werror"])],
            linkerSettings: [.unsafeFlags(["-static-stdlib"])]
        ),

        .target(name: "CharterTestSupport", dependencies: ["CharterFoundation"], path: "Tests/CharterTestSupport"),
        .testTarget(name: "CharterFoundationTests", dependencies: ["CharterFoundation", "CharterTestSupport"]),
        .testTarget(name: "CharterGitTests", dependencies: ["CharterGit", "CharterTestSupport"]),
        .testTarget(name: "CharterYAMLTests", dependencies: ["CharterYAML"]),
        .testTarget(name: "CharterCronTests", dependencies: ["CharterCron"]),
        .testTarget(name: "CharterModelTests", dependencies: ["CharterModel", "CharterFoundation"]),
        .testTarget(
            name: "CharterPlanTests", dependencies: ["CharterPlan", "CharterTestSupport"], exclude: ["Golden"]),
        .testTarget(name: "CharterStoreTests", dependencies: ["CharterStore"]),
        .testTarget(
            name: "CharterSQLiteTests",
            dependencies: ["CharterSQLite", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "CharterGovernanceTests",
            dependencies: ["CharterGovernance", "CharterFoundation", "CharterTestSupport"]
        ),
        .testTarget(
            name: "CharterControlTests",
            dependencies: [
                "CharterControl", "CharterBroker", "CharterGit", "CharterGovernance", "CharterFoundation",
                "CharterTestSupport", "CharterMCP", "CharterTools", "CharterShell",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "CharterCLITests", dependencies: ["CharterFoundation", "CharterTestSupport"]),
        .testTarget(
            name: "CharterDashboardTests",
            dependencies: [
                "CharterDashboard", "CharterControl", "CharterEngine", "CharterFoundation", "CharterServer",
                "CharterStore", "CharterTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "CharterStatusTests", dependencies: ["CharterStatus", "CharterTestSupport"]),
        .testTarget(name: "CharterSchedulingTests", dependencies: ["CharterScheduling"]),
        .testTarget(
            name: "CharterServerTests",
            dependencies: [
                "CharterServer", "CharterTestSupport", "CharterMetrics",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "CharterMetricsTests",
            dependencies: [
                "CharterMetrics", "CharterPrometheus", "CharterServer", "CharterFoundation", "CharterTestSupport",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .testTarget(name: "CharterShellTests", dependencies: ["CharterShell", "CharterTestSupport"]),
        .testTarget(name: "CharterToolsTests", dependencies: ["CharterTools", "CharterFoundation", "CharterModel"]),
        .testTarget(
            name: "CharterMCPTests",
            dependencies: [
                "CharterMCP", "CharterTools", "CharterModel", "CharterShell", "CharterTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "CharterBrokerTests",
            dependencies: [
                "CharterBroker", "CharterTestSupport", "CharterMetrics",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "CharterEngineTests",
            dependencies: [
                "CharterEngine", "CharterFoundation", "CharterTestSupport", "CharterMetrics",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "CharterEgressTests",
            dependencies: [
                "CharterEgress", "CharterModel", "CharterTestSupport", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
