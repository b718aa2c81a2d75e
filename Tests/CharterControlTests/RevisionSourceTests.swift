import CharterControl
import CharterGit
import CharterModel
import CharterPlan
import CharterStore
import CharterTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

let orgYAML = """
    apiVersion: charter/v1
    kind: Organization
    metadata: {name: acme}
    spec: {displayName: Acme}
    """

func teamYAML(_ display: String) -> String {
    """
    apiVersion: charter/v1
    kind: Team
    metadata: {name: core}
    spec: {displayName: \(display)}
    """
}

func makeOrgRepo() throws -> GitFixture {
    let repo = try GitFixture()
    try repo.write("organization.yaml", orgYAML)
    try repo.write("teams/core.yaml", teamYAML("Core"))
    try repo.write("README.md", "not config")
    try repo.write(".github/ci.yaml", "this: [is not, charter config")
    try repo.commitAll("initial")
    return repo
}

@Suite struct RevisionSourceTests {
    @Test func workingTreeIncludesUncommittedChangesAndRevReadsTheCommit() async throws {
        let repo = try makeOrgRepo()
        try repo.write("teams/core.yaml", teamYAML("Edited"))
        try repo.write("teams/new.yaml", teamYAML("New").replacingOccurrences(of: "name: core", with: "name: new"))
        let data = makeTemporaryDirectory("data")

        let tree = try await Operations.load(
            SourceRequest(location: repo.root.path, revision: nil), dataDirectory: data)
        #expect(tree.source.isWorkingTree)
        #expect(tree.source.revision == (try repo.git("rev-parse", "HEAD")))
        #expect(tree.result.diagnostics == [])
        #expect(tree.result.state.teams["core"]?.displayName == "Edited")
        #expect(tree.result.state.teams["new"] != nil)

        let head = try await Operations.load(
            SourceRequest(location: repo.root.path, revision: "HEAD"), dataDirectory: data)
        #expect(!head.source.isWorkingTree)
        #expect(head.result.state.teams["core"]?.displayName == "Core")
        #expect(head.result.state.teams["new"] == nil)
        #expect(head.result.fileCount == 2)
    }

    @Test func olderRevisionsAndBranchesAreReadWithoutCheckout() async throws {
        let repo = try makeOrgRepo()
        let first = try repo.git("rev-parse", "HEAD")
        try repo.write("teams/core.yaml", teamYAML("Second"))
        try repo.commitAll("second")
        try repo.git("branch", "proposals/rename", first)
        let data = makeTemporaryDirectory("data")
        for rev in ["HEAD~1", String(first.prefix(8)), "proposals/rename"] {
            let loaded = try await Operations.load(
                SourceRequest(location: repo.root.path, revision: rev), dataDirectory: data)
            #expect(loaded.source.revision == first)
            #expect(loaded.result.state.teams["core"]?.displayName == "Core")
        }
        // The working tree was not touched.
        #expect(try repo.read("teams/core.yaml").contains("Second"))
        await #expect(throws: GitError.self) {
            _ = try await Operations.load(
                SourceRequest(location: repo.root.path, revision: "nope"), dataDirectory: data)
        }
    }

    @Test func plainDirectoryIsReadButCannotBeApplied() async throws {
        let dir = makeTemporaryDirectory("plain")
        try orgYAML.write(to: dir.appendingPathComponent("org.yaml"), atomically: true, encoding: .utf8)
        let data = makeTemporaryDirectory("data")
        let loaded = try await Operations.load(SourceRequest(location: dir.path, revision: nil), dataDirectory: data)
        #expect(loaded.result.isValid)
        #expect(loaded.source.revision == nil)
        let store = try StateStore(directory: data)
        await #expect(throws: SourceError.self) {
            _ = try await Operations.bootstrap(
                SourceRequest(location: dir.path, revision: nil), store: store, dataDirectory: data, actor: "ops")
        }
        #expect(try store.isEmpty())
    }

    @Test func remoteURLIsMirroredIntoTheDataDirectory() async throws {
        let repo = try makeOrgRepo()
        let bare = makeTemporaryDirectory("remote").appendingPathComponent("org.git")
        try GitFixture.run(["clone", "-q", "--bare", repo.root.path, bare.path])
        let data = makeTemporaryDirectory("data")
        let url = "file://" + bare.path
        let loaded = try await Operations.load(SourceRequest(location: url, revision: nil), dataDirectory: data)
        #expect(loaded.source.revision == (try repo.git("rev-parse", "HEAD")))
        #expect(loaded.result.state.teams["core"]?.displayName == "Core")
        #expect(FileManager.default.fileExists(atPath: data.appendingPathComponent("mirrors").path))
        // A new commit upstream is fetched on the next read.
        try repo.write("teams/core.yaml", teamYAML("Pushed"))
        try repo.commitAll("pushed")
        try repo.git("push", "-q", bare.path, "main")
        let again = try await Operations.load(SourceRequest(location: url, revision: nil), dataDirectory: data)
        #expect(again.result.state.teams["core"]?.displayName == "Pushed")
    }

    @Test func aRemoteWithoutMainNeedsAnExplicitRevisionAndTagsWork() async throws {
        let repo = try makeOrgRepo()
        try repo.git("branch", "-m", "main", "trunk")
        try repo.git("tag", "v1")
        try repo.git("branch", "a-experiment")
        let bare = makeTemporaryDirectory("remote").appendingPathComponent("org.git")
        try GitFixture.run(["clone", "-q", "--bare", repo.root.path, bare.path])
        let data = makeTemporaryDirectory("data")
        let url = "file://" + bare.path
        do {
            _ = try await Operations.load(SourceRequest(location: url, revision: nil), dataDirectory: data)
            Issue.record("a branch was guessed")
        } catch let error as SourceError {
            #expect(error.message.contains("pass --rev with one of: a-experiment, trunk"))
        }
        let tagged = try await Operations.load(SourceRequest(location: url, revision: "v1"), dataDirectory: data)
        #expect(tagged.source.revision == (try repo.git("rev-parse", "v1^{commit}")))
        do {
            _ = try await Operations.load(SourceRequest(location: url, revision: "nope"), dataDirectory: data)
            Issue.record("a missing revision was accepted")
        } catch let error as SourceError {
            #expect(
                error.message == "revision 'nope' not found in \(url); give a branch, tag or commit of that repository")
        }
        // A branch deleted upstream is pruned from the mirror, so the only branch left is used.
        try GitFixture.run(["-C", bare.path, "branch", "-D", "a-experiment"])
        let pruned = try await Operations.load(SourceRequest(location: url, revision: nil), dataDirectory: data)
        #expect(pruned.source.revision == (try repo.git("rev-parse", "trunk")))
    }

    @Test func aFailedFirstFetchLeavesNoMirror() async throws {
        let data = makeTemporaryDirectory("data")
        await #expect(throws: (any Error).self) {
            _ = try await Operations.load(
                SourceRequest(location: "file:///nonexistent/org.git", revision: nil), dataDirectory: data)
        }
        let mirrors = try FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent("mirrors").path)
        #expect(mirrors.allSatisfy { $0.hasSuffix(".lock") })
    }

    @Test func symlinkOutsideTheTreeIsRefused() async throws {
        let repo = try makeOrgRepo()
        let outside = makeTemporaryDirectory("outside").appendingPathComponent("secret.yaml")
        try "apiVersion: charter/v1".write(to: outside, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: repo.root.appendingPathComponent("teams/link.yaml").path, withDestinationPath: outside.path)
        let loaded = try await Operations.load(
            SourceRequest(location: repo.root.path, revision: nil), dataDirectory: makeTemporaryDirectory("data"))
        #expect(loaded.result.diagnostics.map(\.code) == ["file.refused"])
        #expect(loaded.result.diagnostics[0].file == "teams/link.yaml")
        #expect(loaded.result.diagnostics[0].message.contains("outside the repository"))
    }
}

/// File names that are not UTF-8, or that two files share once read as text, are errors with
/// their paths — never skipped, never one file silently standing for two.
@Suite struct FileNameTests {
    /// `teams/` + `name` + `.yaml` as bytes.
    static func teamFile(_ name: [UInt8]) -> [UInt8] { Array("teams/".utf8) + name + Array(".yaml".utf8) }

    /// Creates the file at the byte path `relative` under `root` (Foundation paths are Strings).
    static func create(_ relative: [UInt8], under root: URL, contents: String) throws {
        let path = Array(root.path.utf8) + [UInt8(ascii: "/")] + relative + [0]
        let fd = path.withUnsafeBufferPointer { p in
            p.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY | O_TRUNC, 0o644) }
        }
        guard fd >= 0 else { throw FixtureError("cannot create \(String(decoding: relative, as: UTF8.self))") }
        defer { close(fd) }
        let bytes = Array(contents.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    static let ghost = teamYAML("Ghost").replacingOccurrences(of: "name: core", with: "name: ghost")

    @Test func namesThatAreNotUTF8AreErrorsInAWorkingTree() async throws {
        let repo = try makeOrgRepo()
        try Self.create(Self.teamFile([0xFF]), under: repo.root, contents: Self.ghost)
        try Self.create(Self.teamFile([0xFE]), under: repo.root, contents: Self.ghost)
        let loaded = try await Operations.load(
            SourceRequest(location: repo.root.path, revision: nil), dataDirectory: makeTemporaryDirectory("data"))
        #expect(loaded.source.isWorkingTree)
        #expect(
            loaded.result.diagnostics.map(\.file) == [#"teams/\xfe.yaml"#, #"teams/\xff.yaml"#],
            "\(loaded.result.diagnostics)")
        #expect(
            loaded.result.diagnostics.allSatisfy { $0.code == "file.refused" && $0.message.contains("not valid UTF-8") }
        )
        #expect(loaded.result.state.teams["ghost"] == nil)
        #expect(loaded.result.state.teams["core"] != nil, "the other files load")
    }

    @Test func namesThatAreNotUTF8AreErrorsInAPlainDirectory() async throws {
        let root = makeTemporaryDirectory("plain")
        try orgYAML.write(to: root.appendingPathComponent("organization.yaml"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("teams"), withIntermediateDirectories: true)
        try Self.create(Self.teamFile([0x61, 0xC3]), under: root, contents: Self.ghost)
        let loaded = try await Operations.load(
            SourceRequest(location: root.path, revision: nil), dataDirectory: makeTemporaryDirectory("data"))
        #expect(loaded.result.diagnostics.map(\.file) == [#"teams/a\xc3.yaml"#], "\(loaded.result.diagnostics)")
    }

    @Test func namesThatCollideInACommitAreErrorsNamingEachFile() async throws {
        let repo = try makeOrgRepo()
        // Two names that are not UTF-8 (each once read as `teams/\u{FFFD}.yaml`) and two that differ
        // only in Unicode normalization (`café` composed and decomposed).
        try repo.commitCraftedFiles(
            on: "main", in: "teams",
            named: [
                [0xFF] + Array(".yaml".utf8), [0xFE] + Array(".yaml".utf8), Array("caf\u{E9}.yaml".utf8),
                Array("cafe\u{301}.yaml".utf8),
            ], contents: Self.ghost)
        let loaded = try await Operations.load(
            SourceRequest(location: repo.root.path, revision: "HEAD"), dataDirectory: makeTemporaryDirectory("data"))
        let d = loaded.result.diagnostics
        #expect(
            d.filter { $0.message.contains("not valid UTF-8") }.map(\.file).sorted() == [
                #"teams/\xfe.yaml"#, #"teams/\xff.yaml"#,
            ],
            "\(d)")
        let collisions = d.filter { $0.message.contains("another file has a name that reads the same") }
        #expect(collisions.map(\.file).sorted() == [#"teams/caf\u{e9}.yaml"#, #"teams/cafe\u{301}.yaml"#], "\(d)")
        #expect(d.count == 4 && d.allSatisfy { $0.code == "file.refused" }, "nothing else: \(d)")
        #expect(loaded.result.state.teams["ghost"] == nil, "no file stands for another")
    }
}

@Suite struct BootstrapTests {
    @Test func bootstrapThenPlanShowsExactlyTheEdit() async throws {
        let repo = try makeOrgRepo()
        let data = makeTemporaryDirectory("data")
        let store = try StateStore(directory: data)
        let request = SourceRequest(location: repo.root.path, revision: nil)
        let (applied, changes) = try await Operations.bootstrap(
            request, store: store, dataDirectory: data, actor: "ops@test")
        #expect(applied.revision == (try repo.git("rev-parse", "HEAD")))
        #expect(applied.method == .bootstrap)
        #expect(applied.actor == "ops@test")
        #expect(changes.count(.create) == 2)

        let clean = try await Operations.plan(request, store: store, dataDirectory: data)
        #expect(clean.changes.isEmpty)

        try repo.write("teams/core.yaml", teamYAML("Core Platform"))
        let edited = try await Operations.plan(request, store: store, dataDirectory: data)
        #expect(edited.changes.changes.map(\.id) == [ResourceID(.team, "core")])
        #expect(edited.changes.changes[0].fields.map(\.path.description) == ["/spec/displayName"])
        #expect(edited.context.includesUncommitted)

        await #expect(throws: StateConflict.self) {
            _ = try await Operations.bootstrap(request, store: store, dataDirectory: data, actor: "ops@test")
        }
        #expect(try store.history().count == 1)
    }

    @Test func invalidRevisionIsNeverApplied() async throws {
        let repo = try makeOrgRepo()
        try repo.write("teams/core.yaml", teamYAML("Core") + "\n  lead: nobody")
        try repo.commitAll("broken")
        let data = makeTemporaryDirectory("data")
        let store = try StateStore(directory: data)
        await #expect(throws: ValidationFailure.self) {
            _ = try await Operations.bootstrap(
                SourceRequest(location: repo.root.path, revision: nil), store: store, dataDirectory: data, actor: "ops")
        }
        #expect(try store.isEmpty())
    }
}
