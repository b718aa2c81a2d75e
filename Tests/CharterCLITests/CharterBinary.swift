import CharterTestSupport
import Foundation

/// The built `charter` executable, run the way a user runs it.
struct CharterBinary {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

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

    init() { dataDir = makeTemporaryDirectory("cli-data") }

    /// Runs `charter args…` with its own data directory, no color and a fixed actor.
    @discardableResult
    func run(_ args: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = Self.url
        p.arguments = args
        if let directory { p.currentDirectoryURL = directory }
        var env = ProcessInfo.processInfo.environment
        env["CHARTER_DATA_DIR"] = dataDir.path
        env["CHARTER_ACTOR"] = "ops@test"
        env["NO_COLOR"] = nil
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes concurrently so a full stderr buffer cannot block the child.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Result(
            status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}
