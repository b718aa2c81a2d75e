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
