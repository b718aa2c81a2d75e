import Foundation
import Testing

@testable import CharterGit

@Suite struct ReadingTests {
    /// Three commits: initial files, an edit plus an addition and a deletion, then a symlink and an executable.
    static func history() throws -> (Fixture, [String]) {
        let fixture = try Fixture()
        let first = try fixture.commit(
            ["README.md": "hello\n", "teams/platform.yaml": "kind: Team\n", "teams/old.yaml": "kind: Team\n"],
            message: "first")
        try fixture.remove("teams/old.yaml")
        let second = try fixture.commit(
            ["README.md": "hello again\n", "people/ada.yaml": "kind: Person\n"], message: "second\n\nBody text.")
        try FileManager.default.createSymbolicLink(
            atPath: fixture.work.appendingPathComponent("link.yaml").path, withDestinationPath: "README.md")
        try fixture.write("scripts/run.sh", "#!/bin/sh\n")
        try FileManager.default.setAttributes(
            [.posixPermissions: 0o755], ofItemAtPath: fixture.work.appendingPathComponent("scripts/run.sh").path)
        let third = try fixture.commit([:], message: "third")
        return (fixture, [first, second, third])
    }

    @Test func resolvesRevisionsLikeGitRevParse() async throws {
        let (fixture, commits) = try Self.history()
        try fixture.git("tag", "-a", "-m", "release", "v1", commits[1], in: fixture.work)
        let repo = try await GitRepository.open(at: fixture.work)
        #expect(await repo.isBare == false)
        #expect(await repo.workdir?.standardizedFileURL.path == fixture.work.standardizedFileURL.path)
        for rev in ["main", "HEAD", "HEAD~1", "main~2", "v1", "refs/heads/main", String(commits[0].prefix(8))] {
            let expected = try fixture.revParse(rev)
            #expect(try await repo.resolve(rev).hex == expected, "rev \(rev)")
        }
        #expect(try await repo.headCommitOfBranch("main")?.hex == commits[2])
        #expect(try await repo.headCommitOfBranch("nope") == nil)
    }

    @Test func unknownRevisionNamesRevisionAndRepository() async throws {
        let (fixture, _) = try Self.history()
        let repo = try await GitRepository.open(at: fixture.work)
        for rev in ["no-such-branch", "HEAD~10", "deadbeef"] {
            let error = try await #require(throws: GitError.self) { try await repo.resolve(rev) }
            #expect(error.message == "revision '\(rev)' not found in \(fixture.work.standardizedFileURL.path)")
            #expect(error.code == .notFound || error.code == .invalidSpec)
            #expect(error.description.contains("resolve '\(rev)'"))
        }
    }

    @Test func readsCommitMetadata() async throws {
        let (fixture, commits) = try Self.history()
        let repo = try await GitRepository.open(at: fixture.work)
        let info = try await repo.commit(ObjectID(hex: commits[1])!)
        #expect(info.id.hex == commits[1])
        #expect(info.parents.map(\.hex) == [commits[0]])
        let tree = try fixture.git("rev-parse", "\(commits[1])^{tree}", in: fixture.work).trimmed
        #expect(info.tree.hex == tree)
        #expect(info.author.name == "Test User")
        #expect(info.author.email == "test@example.com")
        #expect(info.summary == "second")
        #expect(info.message == "second\n\nBody text.\n")
        let epoch = try fixture.git("show", "-s", "--format=%ct", commits[1], in: fixture.work).trimmed
        #expect(Int(info.time.timeIntervalSince1970) == Int(epoch))
        #expect(try await repo.commit(ObjectID(hex: commits[0])!).parents.isEmpty)
    }

    @Test func listFilesMatchesLsTree() async throws {
        let (fixture, commits) = try Self.history()
        let repo = try await GitRepository.open(at: fixture.work)
        let head = try #require(ObjectID(hex: commits[2]))
        let files = try await repo.listFiles(at: head, sizes: true)
        let lsTree = try fixture.git("ls-tree", "-r", "-l", commits[2], in: fixture.work)
            .split(separator: "\n").map { line -> (String, String, String, Int) in
                let (meta, path) = (line.split(separator: "\t")[0], String(line.split(separator: "\t")[1]))
                let fields = meta.split(separator: " ", omittingEmptySubsequences: true)
                return (path, String(fields[0]), String(fields[2]), Int(fields[3])!)
            }
        #expect(files.map(\.path) == lsTree.map(\.0))
        #expect(files.map(\.blob.hex) == lsTree.map(\.2))
        #expect(files.map(\.size) == lsTree.map(\.3))
        let modes = Dictionary(uniqueKeysWithValues: files.map { ($0.path, $0.mode) })
        #expect(modes["scripts/run.sh"] == .executable)
        #expect(modes["link.yaml"] == .symlink)
        #expect(modes["README.md"] == .regular)

        let yaml = try await repo.listFiles(at: head) { $0.hasSuffix(".yaml") }
        #expect(yaml.map(\.path) == ["link.yaml", "people/ada.yaml", "teams/platform.yaml"])
        #expect(yaml.allSatisfy { $0.size == nil })
    }

    @Test func readsBlobContents() async throws {
        let (fixture, commits) = try Self.history()
        let repo = try await GitRepository.open(at: fixture.work)
        let head = try #require(ObjectID(hex: commits[2]))
        let files = try await repo.listFiles(at: head)
        let contents = try await repo.blobsData(files.map(\.blob))
        for (file, bytes) in zip(files, contents) {
            let expected = try fixture.git("cat-file", "blob", file.blob.hex, in: fixture.work)
            #expect(String(decoding: bytes, as: UTF8.self) == expected, "\(file.path)")
        }
        let readme = try #require(try await repo.blobID(at: head, path: "README.md"))
        #expect(try await repo.blobData(readme) == Array("hello again\n".utf8))
        #expect(try await repo.blobID(at: head, path: "missing.yaml") == nil)
        #expect(try await repo.blobID(at: head, path: "teams") == nil)
        await #expect(throws: GitError.self) { try await repo.blobData(head) }
    }

    @Test func changedPathsMatchesGitDiff() async throws {
        let (fixture, commits) = try Self.history()
        let repo = try await GitRepository.open(at: fixture.work)
        let ids = commits.map { ObjectID(hex: $0)! }
        for (old, new) in [(0, 1), (1, 2), (0, 2)] {
            let changes = try await repo.changedPaths(from: ids[old], to: ids[new])
            let expected = try fixture.git(
                "diff", "--no-renames", "--name-status", commits[old], commits[new], in: fixture.work
            ).split(separator: "\n").map { line in
                let parts = line.split(separator: "\t")
                return "\(parts[0]) \(parts[1])"
            }
            let letters: [PathChange.Status: String] = [
                .added: "A", .modified: "M", .deleted: "D", .typeChanged: "T", .renamed: "R",
            ]
            #expect(changes.map { "\(letters[$0.status]!) \($0.path)" } == expected)
        }
        let second = try await repo.changedPaths(from: ids[0], to: ids[1])
        let byPath = Dictionary(uniqueKeysWithValues: second.map { ($0.path, $0) })
        #expect(byPath["teams/old.yaml"]?.status == .deleted)
        #expect(byPath["teams/old.yaml"]?.newBlob == nil)
        #expect(byPath["people/ada.yaml"]?.oldBlob == nil)
        let readme = try fixture.git("rev-parse", "\(commits[1]):README.md", in: fixture.work).trimmed
        #expect(byPath["README.md"]?.newBlob?.hex == readme)

        let fromEmpty = try await repo.changedPaths(from: nil, to: ids[0])
        #expect(fromEmpty.map(\.path) == ["README.md", "teams/old.yaml", "teams/platform.yaml"])
        #expect(fromEmpty.allSatisfy { $0.status == .added })
    }

    @Test func detectsRenamesWhenAsked() async throws {
        let fixture = try Fixture()
        let first = try fixture.commit(["a.yaml": String(repeating: "line\n", count: 50)])
        try fixture.git("mv", "a.yaml", "b.yaml", in: fixture.work)
        let second = try fixture.commit([:])
        let repo = try await GitRepository.open(at: fixture.work)
        let changes = try await repo.changedPaths(
            from: ObjectID(hex: first), to: ObjectID(hex: second)!, detectRenames: true)
        #expect(changes.count == 1)
        #expect(changes.first?.status == .renamed)
        #expect(changes.first?.oldPath == "a.yaml")
        #expect(changes.first?.path == "b.yaml")
    }

    @Test func listsBranches() async throws {
        let (fixture, commits) = try Self.history()
        try fixture.git("branch", "proposals/x", commits[0], in: fixture.work)
        let repo = try await GitRepository.open(at: fixture.work)
        let branches = try await repo.branches()
        #expect(branches.map(\.name) == ["main", "proposals/x"])
        #expect(branches.map(\.target.hex) == [commits[2], commits[0]])
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
