// swift-tools-version:6.1
import PackageDescription
let package = Package(
    name: "YamsCompare",
    dependencies: [.package(url: "https://github.com/jpsim/Yams", exact: "6.2.2")],
    targets: [
        .systemLibrary(name: "CLibYAML", pkgConfig: "yaml-0.1"),
        .target(name: "CharterYAML", dependencies: ["CLibYAML"]),
        .executableTarget(name: "yamscompare", dependencies: ["CharterYAML", "Yams"]),
    ],
    swiftLanguageModes: [.v6]
)
