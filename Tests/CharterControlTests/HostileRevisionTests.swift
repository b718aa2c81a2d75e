import CharterControl
import CharterGit
import CharterModel
import CharterTestSupport
import Foundation
import Testing

/// Revisions whose git objects are small but whose trees list a lot: a blob at many paths, a tree
/// inside itself many times over, trees nested very deep. Each is read within bounds or refused
/// before its blobs are read.
@Suite struct HostileRevisionTests {
    /// The tree entries of HEAD.
    func headEntries(_ repo: GitFixture) throws -> [(mode: String, type: String, id: String, name: String)] {
        try repo.git("ls-tree", "HEAD").split(separator: "\n").map { line in
            let parts = line.split(separator: "\t", maxSplits: 1)
            let meta = parts[0].split(separator: " ")
            return (String(meta[0]), String(meta[1]), String(meta[2]), String(parts[1]))
        }
    }

    @Test func oneNoisyBlobAtManyPathsIsParsedOnceAndReportedWithinBounds() async throws {
        let repo = try makeOrgRepo()
        let noisy =
            "apiVersion: charter/v1\nkind: Team\nmetadata: {name: noisy}\nspec:\n  displayName: X\n"
            + (0..<5000).map { "  f\($0): 1\n" }.joined()
        let blob = try repo.blob(noisy)
        let copies = try repo.tree((0..<50).map { ("100644", "blob", blob, "copy\($0).yaml") })
        let commit = try repo.commit(tree: try repo.tree(try headEntries(repo) + [("040000", "tree", copies, "evil")]))
        let git = try await GitRepository.open(at: repo.root)
        let files = try await RevisionSource.files(of: git, at: try await git.resolve(commit))
        let result = Loader.load(files)
        #expect(result.errorCount == 250_000)
        #expect(result.diagnostics.count == 1001)
        #expect(result.diagnostics.last?.message.hasPrefix("and 249000 more errors (250000 in all)") == true)
        // Each path reports at its own position.
        #expect(result.diagnostics.first?.location == "evil/copy0.yaml:6:3")
        #expect(result.diagnostics[100].location == "evil/copy1.yaml:6:3")
    }

    @Test func aTreeListingItselfOverAndOverIsRefusedBeforeBlobsAreRead() async throws {
        let repo = try makeOrgRepo()
        let blob = try repo.blob(teamYAML("Bomb"))
        var tree = try repo.tree((0..<16).map { ("100644", "blob", blob, "f\($0).yaml") })
        // 16^7 × 16 files from a few kilobytes of objects.
        for _ in 0..<7 { tree = try repo.tree((0..<16).map { ("040000", "tree", tree, "d\($0)") }) }
        let commit = try repo.commit(tree: try repo.tree(try headEntries(repo) + [("040000", "tree", tree, "bomb")]))
        let git = try await GitRepository.open(at: repo.root)
        let at = try await git.resolve(commit)
        await #expect {
            _ = try await RevisionSource.files(of: git, at: at)
        } throws: { error in
            "\(error)" == "the tree lists more than 250000 matching files"
        }
    }

    @Test func treesNestedTooDeepAreRefused() async throws {
        let repo = try makeOrgRepo()
        var tree = try repo.tree([("100644", "blob", try repo.blob(teamYAML("Deep")), "team.yaml")])
        for _ in 0..<300 { tree = try repo.tree([("040000", "tree", tree, "d")]) }
        let commit = try repo.commit(tree: try repo.tree(try headEntries(repo) + [("040000", "tree", tree, "deep")]))
        let git = try await GitRepository.open(at: repo.root)
        let at = try await git.resolve(commit)
        await #expect {
            _ = try await RevisionSource.files(of: git, at: at)
        } throws: { error in
            "\(error)".hasPrefix("trees are nested more than 256 deep")
        }
    }
}

extension HostileRevisionTests {
    @Test func aHostileProposalBranchIsRefusedAndTheOthersAreStillProposed() async throws {
        let helper = ReconcilerTests()
        let (repo, store, data) = try await helper.setUp()
        let blob = try repo.blob(teamYAML("Bomb"))
        var tree = try repo.tree((0..<16).map { ("100644", "blob", blob, "f\($0).yaml") })
        for _ in 0..<7 { tree = try repo.tree((0..<16).map { ("040000", "tree", tree, "d\($0)") }) }
        let bomb = try repo.commit(tree: try repo.tree(try headEntries(repo) + [("040000", "tree", tree, "bomb")]))
        try repo.git("update-ref", "refs/heads/proposals/bomb", bomb)
        try repo.git("checkout", "-q", "-b", "proposals/rename")
        let team = try repo.read("teams/research.yaml")
        try repo.write(
            "teams/research.yaml", team.replacingOccurrences(of: "displayName: Research", with: "displayName: Lab"))
        try repo.commitAll("Rename research")
        try repo.git("checkout", "-q", "main")

        let report = try await Reconciler.reconcileOnce(
            repository: repo.root.path, store: store, dataDirectory: data,
            now: Date(timeIntervalSince1970: 1_790_000_000))
        let outcomes = Dictionary(uniqueKeysWithValues: report.branches.map { ($0.branch, $0) })
        #expect(outcomes["proposals/bomb"]?.reason == "InvalidRevision")
        #expect(
            outcomes["proposals/bomb"]?.message
                == "proposals/bomb merged into main is refused: the tree lists more than 250000 matching files")
        #expect(outcomes["proposals/rename"]?.reason == "AwaitingVotes")
    }
}
