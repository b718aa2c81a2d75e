import Foundation

/// Prometheus' promtool, when installed (`make deps` installs Debian's `prometheus`, which has it),
/// and how a test runs it.
public enum Promtool {
    /// Its path, or nil where it is not installed.
    public static let path: String? = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Why a check was skipped.
    public static let missing = "promtool is not installed (Debian: apt-get install prometheus; `make deps` does)"

    /// The repository holding `docs/alerts/`.
    public static var repositoryRoot: URL { GitFixture.exampleRepo.deletingLastPathComponent() }

    /// `promtool check metrics` on `text`, given on its standard input.
    public static func checkMetrics(_ text: String) throws -> ProcessRunner.Result {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("charter-metrics-\(UUID()).txt")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try ProcessRunner.run(URL(fileURLWithPath: path!), ["check", "metrics"], input: file)
    }
}
