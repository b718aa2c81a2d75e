import CharterControl
import CharterModel
import Foundation

/// `charter-bench hostile`: writes each hostile input (``HostileInputs``) as a git repository and
/// measures, in a child process of its own, how `charter validate` of its `proposals/hostile`
/// branch ends: the time to read and load it, the peak memory, how many diagnostics are shown of
/// how many found, and how many bytes of output they make.
struct HostileBench {
    let directory: URL
    let only: [String]?

    struct Result: Codable {
        var name = ""
        var readBytes = 0
        var milliseconds = 0.0
        var peakMB = 0.0
        var shown = 0
        var errors = 0
        var outputBytes = 0
        var first = ""
    }

    func run() throws {
        let all = HostileInputs.all
        let cases = all.filter { only?.contains($0.name) ?? true }
        guard !cases.isEmpty else {
            throw UsageError(message: "no such case; cases are \(all.map(\.name).joined(separator: ", "))")
        }
        print("| case | input | config bytes read | validate | peak RSS | shown / found | output | first line |")
        print("|---|---|---:|---:|---:|---:|---:|---|")
        for c in cases {
            let root = directory.appendingPathComponent(c.name)
            FileHandle.standardError.write(Data("== \(c.name): writing \(root.path)\n".utf8))
            _ = try HostileRepo.write(c, to: root)
            let r = try measureInChild(root, name: c.name)
            let first = r.first.count > 90 ? String(r.first.prefix(90)) + "…" : r.first
            print(
                "| \(c.name) | \(c.summary) | \(r.readBytes) | \(String(format: "%.0f", r.milliseconds)) ms | "
                    + "\(String(format: "%.0f", r.peakMB)) MB | \(r.shown) / \(r.errors) | \(r.outputBytes) B | "
                    + "\(first.replacingOccurrences(of: "|", with: "\\|")) |")
        }
    }

    private func measureInChild(_ repo: URL, name: String) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BenchRunner.executablePath)
        process.arguments = ["hostile-one", "--repo", repo.path, "--name", name]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OrgWriter.Failure(description: "hostile-one \(name) failed with status \(process.terminationStatus)")
        }
        return try JSONDecoder().decode(Result.self, from: data)
    }

    /// Reads and loads `proposals/hostile` of `repo` in this process, as `charter validate` does.
    static func measureOne(repo: URL, name: String) async throws -> Result {
        var result = Result()
        result.name = name
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("charter-hostile-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let source = try await RevisionSource.resolve(
                SourceRequest(location: repo.path, revision: "proposals/hostile"), dataDirectory: data)
            let loaded = Loader.load(source.files)
            result.milliseconds = Self.milliseconds(clock.now - start)
            for f in source.files {
                if case .bytes(let b) = f.contents { result.readBytes += b.count }
            }
            result.shown = loaded.diagnostics.count
            result.errors = loaded.errorCount
            // What `charter validate` prints: each diagnostic on a line, then the count.
            result.outputBytes = loaded.diagnostics.reduce(0) { $0 + $1.description.utf8.count + 1 } + 40
            result.first = loaded.diagnostics.first?.description ?? "valid"
        } catch {
            result.milliseconds = Self.milliseconds(clock.now - start)
            result.first = "refused: \(error)"
            result.outputBytes = "error: \(error)\n".utf8.count
        }
        result.peakMB = peakResidentMB()
        return result
    }

    static func milliseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}
