import CharterControl
import CharterGit
import CharterModel
import CharterPlan
import CharterTestSupport
import Foundation
import Testing

@Suite struct IncrementalLoadTests {
    @Test func reloadReadsOnlyChangedBlobsAndMatchesAColdLoad() async throws {
        let repo = try makeOrgRepo()
        for i in 0..<20 {
            try repo.write(
                "teams/t\(i).yaml", teamYAML("T\(i)").replacingOccurrences(of: "name: core", with: "name: t\(i)"))
        }
        let a = try repo.commitAll("twenty teams")
        try repo.write("teams/t7.yaml", teamYAML("Seven").replacingOccurrences(of: "name: core", with: "name: t7"))
        let b = try repo.commitAll("rename t7")

        let git = try await GitRepository.open(at: repo.root)
        var cache = LoaderCache()
        let first = Loader.load(
            try await RevisionSource.files(of: git, at: ObjectID(hex: a)!, cache: cache), cache: &cache)
        #expect(first.isValid)

        let files = try await RevisionSource.files(of: git, at: ObjectID(hex: b)!, cache: cache)
        let read = files.filter { if case .bytes = $0.contents { true } else { false } }
        #expect(read.map(\.path) == ["teams/t7.yaml"])
        let second = Loader.load(files, cache: &cache)
        let cold = Loader.load(try await RevisionSource.files(of: git, at: ObjectID(hex: b)!))
        #expect(second.diagnostics == cold.diagnostics)
        #expect(Planner.plan(desired: second.state, actual: cold.state).isEmpty)
        #expect(second.state.teams["t7"]?.displayName == "Seven")
    }

    @Test func incrementalLoaderAndReplanMatchAColdLoadAndPlan() async throws {
        let repo = try makeOrgRepo()
        for i in 0..<10 {
            try repo.write(
                "teams/t\(i).yaml", teamYAML("T\(i)").replacingOccurrences(of: "name: core", with: "name: t\(i)"))
        }
        let a = try ObjectID(hex: repo.commitAll("ten teams"))!
        // B: one edit, one removal, one rename, a duplicate definition and a new file.
        try repo.write("teams/t1.yaml", teamYAML("One").replacingOccurrences(of: "name: core", with: "name: t1"))
        try FileManager.default.removeItem(at: repo.root.appendingPathComponent("teams/t2.yaml"))
        try repo.git("mv", "teams/t3.yaml", "teams/moved.yaml")
        try repo.write("teams/z-dup.yaml", teamYAML("Dup").replacingOccurrences(of: "name: core", with: "name: t4"))
        try repo.write("teams/new.yaml", teamYAML("New").replacingOccurrences(of: "name: core", with: "name: new"))
        let b = try ObjectID(hex: repo.commitAll("changes"))!

        let git = try await GitRepository.open(at: repo.root)
        let actual = Loader.load(try await RevisionSource.files(of: git, at: a)).state
        var loader = IncrementalLoader()
        loader.load(try await RevisionSource.files(of: git, at: a))
        let before = Planner.plan(desired: loader.result.state, actual: actual)
        #expect(before.isEmpty)

        let (changed, removed) = try await RevisionSource.changes(of: git, from: a, to: b)
        #expect(
            Set(changed.map(\.path)) == ["teams/t1.yaml", "teams/moved.yaml", "teams/z-dup.yaml", "teams/new.yaml"])
        #expect(Set(removed) == ["teams/t2.yaml", "teams/t3.yaml"])
        let (result, affected) = loader.update(changed: changed, removed: removed)
        let cold = Loader.load(try await RevisionSource.files(of: git, at: b))
        #expect(result.diagnostics == cold.diagnostics)
        #expect(result.diagnostics.map(\.code) == ["identity.duplicate"])
        #expect(result.diagnostics.first?.file == "teams/z-dup.yaml")
        #expect(Planner.plan(desired: result.state, actual: cold.state).isEmpty)
        #expect(result.state.teams.keys.sorted() == cold.state.teams.keys.sorted())
        #expect(result.fileCount == cold.fileCount && result.documentCount == cold.documentCount)
        let replanned = Planner.replan(before, affected: affected, desired: result.state, actual: actual)
        #expect(replanned == Planner.plan(desired: cold.state, actual: actual))
        #expect(replanned.changes.map { "\($0.action.symbol)\($0.id.name)" } == ["+new", "~t1", "-t2"])

        // Removing the duplicate makes the remaining definition the only one again.
        let (fixed, _) = loader.update(changed: [], removed: ["teams/z-dup.yaml"])
        #expect(fixed.isValid)
        #expect(fixed.state.teams["t4"]?.displayName == "T4")
    }

    @Test func oversizedFileIsRefusedWithoutReadingIt() async throws {
        let repo = try makeOrgRepo()
        try repo.write("big.yaml", String(repeating: "# padding padding padding\n", count: 50_000))
        let head = try repo.commitAll("big")
        let git = try await GitRepository.open(at: repo.root)
        let files = try await RevisionSource.files(of: git, at: ObjectID(hex: head)!)
        let big = files.first { $0.path == "big.yaml" }
        guard case .refused(let reason)? = big?.contents else {
            Issue.record("big.yaml was read")
            return
        }
        #expect(reason.contains("1300000 bytes; the limit is 1048576 bytes"))
    }
}
