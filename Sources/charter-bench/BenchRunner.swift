import Foundation

/// `charter-bench run`: generates each size, measures it in a child process, prints the tables.
struct BenchRunner {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    var sizes: [Int]
    var iterations: Int
    var seed: UInt64
    /// Where generated repositories are kept and reused; nil means a temporary directory, removed after.
    var dataDirectory: URL?

    func run() async throws {
        let fm = FileManager.default
        let root =
            dataDirectory
            ?? fm.temporaryDirectory.appendingPathComponent(
                "charter-bench-\(ProcessInfo.processInfo.processIdentifier)")
        try fm.createDirectory(at: root, withIntermediateDirectories: true)
        defer { if dataDirectory == nil { try? fm.removeItem(at: root) } }

        var results: [SizeResult] = []
        for size in sizes {
            let repo = root.appendingPathComponent("org-\(size)-seed\(seed)")
            if !fm.fileExists(atPath: repo.appendingPathComponent(".git").path) {
                try? fm.removeItem(at: repo)
                progress("generating \(size) resources into \(repo.path)")
                let started = ContinuousClock.now
                try OrgWriter.write(SyntheticOrg(resources: size, seed: seed), to: repo)
                progress(
                    "  generated in \(String(format: "%.1f", milliseconds(ContinuousClock.now - started) / 1000)) s")
            }
            let k = size >= 100_000 ? min(iterations, 3) : iterations
            progress("measuring \(size) resources, \(k) iterations, in a child process")
            results.append(try measureInChild(repo, iterations: k))
        }
        print(Self.summary(results))
        print()
        print(Self.phases(results))
    }

    /// Re-executes this binary as `measure-one`, so each size has its own peak RSS.
    private func measureInChild(_ repo: URL, iterations: Int) throws -> SizeResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executablePath)
        process.arguments = ["measure-one", "--repo", repo.path, "--iterations", String(iterations)]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "measure-one of \(repo.path) failed with status \(process.terminationStatus)")
        }
        return try JSONDecoder().decode(SizeResult.self, from: data)
    }

    static var executablePath: String {
        #if os(Linux)
            if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        #endif
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
    }

    private static func f(_ v: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }

    /// The headline table: medians, the cold/bare ratio, peak memory.
    static func summary(_ results: [SizeResult]) -> String {
        var s = "| resources | files | bytes | bare parse (events) ms | bare parse (tree) ms | cold plan ms "
        s += "| cold / bare | incremental ms | peak RSS MB |\n"
        s += "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        for r in results {
            let ratio = r.bareEventsMs > 0 ? r.coldMs / r.bareEventsMs : 0
            s += "| \(r.resources) | \(r.files) | \(r.bytes) | \(f(r.bareEventsMs)) | \(f(r.bareTreeMs)) "
            s += "| \(f(r.coldMs)) | \(f(ratio, 2))× | \(f(r.incrementalMs)) | \(f(r.peakMB)) |\n"
        }
        return s
    }

    /// Where the time goes: phases of the cold and the incremental plan.
    static func phases(_ results: [SizeResult]) -> String {
        var s = "| resources | cold: read | cold: load | (parse files) | (validate org) | cold: plan "
        s += "| incr: read | incr: load | incr: plan | incr: read changed blobs only | changes | RSS after cold MB |\n"
        s += "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        for r in results {
            s += "| \(r.resources) | \(f(r.coldReadMs)) | \(f(r.coldLoadMs)) | \(f(r.parseFilesMs)) "
            s += "| \(f(r.validateMs)) | \(f(r.coldPlanMs)) | \(f(r.incrementalReadMs)) | \(f(r.incrementalLoadMs)) "
            s += "| \(f(r.incrementalPlanMs)) | \(f(r.incrementalDiffReadMs, 2)) | \(r.changes) "
            s += "| \(f(r.peakAfterColdMB)) |\n"
        }
        return s
    }
}

/// Progress goes to standard error, so standard output holds only results.
func progress(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
