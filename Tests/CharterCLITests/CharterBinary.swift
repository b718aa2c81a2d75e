import CharterTestSupport
import Foundation

/// The built `charter` executable, run the way a user runs it.
struct CharterBinary {
    typealias Result = ProcessRunner.Result

    /// `$CHARTER_BIN`, else the `charter` next to the test bundle in the build directory.
    static var url: URL {
        if let bin = ProcessInfo.processInfo.environment["CHARTER_BIN"] { return URL(fileURLWithPath: bin) }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("charter")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/charter")
    }

    let dataDir: URL

    init(dataDir: URL = makeTemporaryDirectory("cli-data")) { self.dataDir = dataDir }

    /// Runs `charter args…` with its own data directory, no color and a fixed actor.
    @discardableResult
    func run(_ args: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> Result {
        try ProcessRunner.run(
            Self.url, args, environment: self.environment.merging(environment) { $1 }, directory: directory)
    }

    /// The environment `charter` runs with: this data directory, a fixed actor, no color setting.
    var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["CHARTER_DATA_DIR"] = dataDir.path
        env["CHARTER_ACTOR"] = "ops@test"
        env["NO_COLOR"] = nil
        return env
    }

    /// `charter vote P-0001 approve --as voter` with the voter's demo key from example-repo, against
    /// `repository` (a path or URL).
    @discardableResult
    func vote(
        as voter: String, on repository: String, decision: String = "approve", proposal: String = "P-0001"
    )
        throws -> Result
    {
        let key = GitFixture.exampleRepo.appendingPathComponent("demo-keys/\(voter)").path
        return try run(["vote", proposal, decision, "--as", voter, "--key", key, repository])
    }
}
