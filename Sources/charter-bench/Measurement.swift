import CharterControl
import CharterGit
import CharterModel
import CharterPlan
import CharterYAML
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Medians (milliseconds) and peak memory for one org size, measured in one process.
struct SizeResult: Codable, Sendable {
    var resources = 0
    var files = 0
    var bytes = 0
    var events = 0
    var iterations = 0
    /// `YAMLParser.countEvents` over every file: libyaml alone, the floor.
    var bareEventsMs = 0.0
    /// `YAMLParser.parse` over every file: libyaml plus the node trees.
    var bareTreeMs = 0.0
    /// Open, resolve HEAD, read files, load with an empty cache, plan.
    var coldMs = 0.0
    var coldReadMs = 0.0
    var coldLoadMs = 0.0
    var coldPlanMs = 0.0
    /// Parts of the load, measured apart: `Loader.parse` of every file one after another (the load
    /// itself parses on all cores), and `OrgValidator.validate` of the whole state.
    var parseFilesMs = 0.0
    var validateMs = 0.0
    var changes = 0
    /// The controller's reload of commit B: `RevisionSource.changes` (tree diff, changed blobs
    /// only), `IncrementalLoader.update`, `Planner.replan` of the affected resources.
    var incrementalMs = 0.0
    var incrementalReadMs = 0.0
    var incrementalLoadMs = 0.0
    var incrementalPlanMs = 0.0
    /// Reading the changed blobs into a copy of A's whole file list (what a non-incremental loader would need).
    var incrementalDiffReadMs = 0.0
    /// `ru_maxrss` after the actual state and the cold plans, and at the end.
    var peakAfterColdMB = 0.0
    var peakMB = 0.0
}

/// Milliseconds of a clock duration.
func milliseconds(_ d: Swift.Duration) -> Double {
    Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
}

/// The median of `values` (the mean of the middle two for an even count).
func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    guard !s.isEmpty else { return 0 }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Peak resident set size of this process in MB (`ru_maxrss` is KB on Linux, bytes on macOS).
func peakResidentMB() -> Double {
    var usage = rusage()
    #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
        getrusage(RUSAGE_SELF, &usage)
    #endif
    #if os(Linux)
        return Double(usage.ru_maxrss) / 1024
    #else
        return Double(usage.ru_maxrss) / 1_048_576
    #endif
}

/// Measures one generated repository (see ``OrgWriter``) in this process.
struct Measurer {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let repositoryURL: URL
    let iterations: Int
    let clock = ContinuousClock()

    func run() async throws -> SizeResult {
        var result = SizeResult()
        result.iterations = iterations
        let repository = try await GitRepository.open(at: repositoryURL)
        let head = try await repository.resolve("HEAD")
        let actual = try await actualState(repository)

        // (b) cold: nothing cached, the repository opened afresh each time.
        var read: [Double] = []
        var load: [Double] = []
        var plan: [Double] = []
        var total: [Double] = []
        for _ in 0..<iterations {
            let t0 = clock.now
            let repo = try await GitRepository.open(at: repositoryURL)
            let commit = try await repo.resolve("HEAD")
            let files = try await RevisionSource.files(of: repo, at: commit)
            let t1 = clock.now
            var cache = LoaderCache()
            let loaded = Loader.load(files, cache: &cache)
            let desired = try validState(loaded)
            let t2 = clock.now
            let changes = Planner.plan(desired: desired, actual: actual)
            let t3 = clock.now
            read.append(milliseconds(t1 - t0))
            load.append(milliseconds(t2 - t1))
            plan.append(milliseconds(t3 - t2))
            total.append(milliseconds(t3 - t0))
            result.changes = changes.changes.count
            result.resources = desired.resources.count
        }
        (result.coldMs, result.coldReadMs, result.coldLoadMs, result.coldPlanMs) =
            (median(total), median(read), median(load), median(plan))
        result.peakAfterColdMB = peakResidentMB()

        // (a) the baseline: the same bytes through libyaml alone, then into trees.
        let files = try await RevisionSource.files(of: repository, at: head)
        let bytes: [[UInt8]] = files.map {
            if case .bytes(let b) = $0.contents { return b }
            return []
        }
        result.files = files.count
        result.bytes = bytes.reduce(0) { $0 + $1.count }
        result.bareEventsMs = try repeatMedian {
            var events = 0
            for b in bytes { events += try YAMLParser.countEvents(b) }
            result.events = events
        }
        result.bareTreeMs = try repeatMedian {
            for b in bytes { _ = try YAMLParser.parse(b) }
        }
        result.parseFilesMs = repeatMedian {
            for f in files { _ = Loader.parse(f) }
        }
        let state = try validState(Loader.load(files))
        result.validateMs = repeatMedian { _ = OrgValidator.validate(state) }

        try await incremental(repository, head: head, files: files, actual: actual, into: &result)
        result.peakMB = peakResidentMB()
        return result
    }

    /// (c) commit B changes one person's file; reload B incrementally from A, and replan.
    private func incremental(
        _ repository: GitRepository, head: ObjectID, files: [SourceFile], actual: OrgState,
        into result: inout SizeResult
    ) async throws {
        guard let target = files.firstIndex(where: { $0.path.hasPrefix("people/") }),
            case .bytes(let old) = files[target].contents
        else { throw Failure(description: "no person file to change") }
        let edited = String(decoding: old, as: UTF8.self)
            .replacingOccurrences(of: "  displayName: ", with: "  displayName: Dr. ")
        let path = files[target].path
        let b = try await repository.createCommit(
            parent: head, changes: [path: .write(Array(edited.utf8))], message: "Change one person",
            author: GitSignature(name: "charter-bench", email: "bench@synthetic.example"))
        // The controller's path: an IncrementalLoader holding A and its plan, then B's changed
        // files from a tree diff, a reload of just those, and a replan of the affected resources.
        var loaderA = IncrementalLoader()
        _ = try validState(loaderA.load(files))
        let planA = Planner.plan(desired: loaderA.result.state, actual: actual)

        var read: [Double] = []
        var load: [Double] = []
        var plan: [Double] = []
        var total: [Double] = []
        var diffRead: [Double] = []
        for _ in 0..<max(iterations, 5) {
            var loader = loaderA
            let t0 = clock.now
            let (changed, removed) = try await RevisionSource.changes(of: repository, from: head, to: b)
            let t1 = clock.now
            let (loaded, affected) = loader.update(changed: changed, removed: removed)
            let desired = try validState(loaded)
            let t2 = clock.now
            let changes = Planner.replan(planA, affected: affected, desired: desired, actual: actual)
            let t3 = clock.now
            guard (result.changes...result.changes + 1).contains(changes.changes.count) else {
                throw Failure(description: "incremental plan has \(changes.changes.count) changes")
            }
            read.append(milliseconds(t1 - t0))
            load.append(milliseconds(t2 - t1))
            plan.append(milliseconds(t3 - t2))
            total.append(milliseconds(t3 - t0))

            let t4 = clock.now
            _ = try await Self.patch(files, of: repository, from: head, to: b)
            diffRead.append(milliseconds(clock.now - t4))
        }
        (result.incrementalMs, result.incrementalReadMs, result.incrementalLoadMs, result.incrementalPlanMs) =
            (median(total), median(read), median(load), median(plan))
        result.incrementalDiffReadMs = median(diffRead)
    }

    /// A's files with the blobs that changed in B read in: what a reload needs to read at least.
    static func patch(
        _ files: [SourceFile], of repository: GitRepository, from a: ObjectID, to b: ObjectID
    ) async throws -> [SourceFile] {
        var out = files
        let changes = try await repository.changedPaths(from: a, to: b)
        var index: [String: Int] = [:]
        for (i, f) in files.enumerated() { index[f.path] = i }
        for c in changes where ConfigPaths.isConfigFile(c.path) {
            guard let blob = c.newBlob else {
                if let i = index[c.path] { out[i].contents = .bytes([]) }
                continue
            }
            let file = SourceFile(
                path: c.path, contents: .bytes(try await repository.blobData(blob)), cacheKey: blob.hex)
            if let i = index[c.path] { out[i] = file } else { out.append(file) }
        }
        return out
    }

    /// The applied state, as the store would hold it: tag `applied`, without YAML nodes or sources.
    private func actualState(_ repository: GitRepository) async throws -> OrgState {
        let applied = try await repository.resolve("applied")
        let state = try validState(Loader.load(try await RevisionSource.files(of: repository, at: applied)))
        return OrgState(resources: state.resources.mapValues { Resource(id: $0.id, value: $0.value) })
    }

    private func validState(_ loaded: LoadResult) throws -> OrgState {
        guard loaded.diagnostics.isEmpty else {
            let first = loaded.diagnostics.prefix(5).map { "\($0.file):\($0.line): \($0.message)" }
            throw Failure(
                description: "\(loaded.diagnostics.count) diagnostics: " + first.joined(separator: "; "))
        }
        return loaded.state
    }

    private func repeatMedian(_ body: () throws -> Void) rethrows -> Double {
        var samples: [Double] = []
        for _ in 0..<iterations {
            let t0 = clock.now
            try body()
            samples.append(milliseconds(clock.now - t0))
        }
        return median(samples)
    }
}
