import Foundation
import Testing

@testable import CharterGit

@Suite struct WorkingTreeTests {
    @Test func readsUncommittedUntrackedAndSkipsIgnored() async throws {
        let fixture = try Fixture()
        try fixture.commit(
            [
                ".gitignore": "*.log\nbuild/\n", "teams/a.yaml": "committed\n", "forced.log": "tracked anyway\n",
                "same.yaml": "unchanged\n",
            ])
        try fixture.git("add", "-f", "forced.log", in: fixture.work)
        try fixture.git("commit", "-q", "-m", "force", in: fixture.work)
        try fixture.write("teams/a.yaml", "edited\n")
        try fixture.write("teams/new.yaml", "untracked\n")
        try fixture.write("debug.log", "ignored\n")
        try fixture.write("build/out.yaml", "ignored dir\n")
        let outside = fixture.temp.sub("secret.yaml")
        try Data("do not read\n".utf8).write(to: outside)
        let fm = FileManager.default
        try fm.createSymbolicLink(
            atPath: fixture.work.appendingPathComponent("escape.yaml").path, withDestinationPath: outside.path)
        try fm.createSymbolicLink(
            atPath: fixture.work.appendingPathComponent("relative-escape.yaml").path,
            withDestinationPath: "../secret.yaml")
        try fm.createSymbolicLink(
            atPath: fixture.work.appendingPathComponent("inside.yaml").path, withDestinationPath: "teams/a.yaml")
        try fm.createSymbolicLink(
            atPath: fixture.work.appendingPathComponent("git-config.yaml").path, withDestinationPath: ".git/config")
        try fm.createSymbolicLink(
            atPath: fixture.work.appendingPathComponent("dangling.yaml").path, withDestinationPath: "nowhere")

        let repo = try await GitRepository.open(at: fixture.work)
        let files = try await repo.workingTreeFiles()
        let byPath = Dictionary(uniqueKeysWithValues: files.map { ($0.path, $0) })
        #expect(
            files.map(\.path) == [
                ".gitignore", "dangling.yaml", "escape.yaml", "forced.log", "git-config.yaml", "inside.yaml",
                "relative-escape.yaml", "same.yaml", "teams/a.yaml", "teams/new.yaml",
            ])
        #expect(byPath["teams/a.yaml"]?.bytes == Array("edited\n".utf8))
        #expect(byPath["teams/new.yaml"]?.bytes == Array("untracked\n".utf8))
        #expect(byPath["escape.yaml"]?.kind == .symlinkOutside)
        #expect(byPath["escape.yaml"]?.bytes == nil)
        #expect(byPath["relative-escape.yaml"]?.kind == .symlinkOutside)
        #expect(byPath["git-config.yaml"]?.kind == .symlinkOutside)
        #expect(byPath["inside.yaml"]?.kind == .symlink)
        #expect(byPath["inside.yaml"]?.bytes == Array("edited\n".utf8))
        #expect(byPath["dangling.yaml"]?.kind == .danglingSymlink)

        // Cross-check with git: everything it reports as tracked or untracked-but-not-ignored.
        let listed = try fixture.git("ls-files", "--cached", "--others", "--exclude-standard", in: fixture.work)
            .split(separator: "\n").map(String.init).sorted()
        #expect(files.map(\.path) == listed)

        let yaml = try await repo.workingTreeFiles { $0.hasPrefix("teams/") }
        #expect(yaml.map(\.path) == ["teams/a.yaml", "teams/new.yaml"])
    }

    @Test func readsPlainDirectoryWithTheSameRules() throws {
        let temp = try TemporaryDirectory()
        let root = temp.sub("config")
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("a/b"), withIntermediateDirectories: true)
        try Data("x\n".utf8).write(to: root.appendingPathComponent("a/b/c.yaml"))
        try Data("y\n".utf8).write(to: root.appendingPathComponent("top.yml"))
        try Data("secret\n".utf8).write(to: temp.sub("outside.yaml"))
        try FileManager.default.createSymbolicLink(
            atPath: root.appendingPathComponent("out.yaml").path, withDestinationPath: "../outside.yaml")
        try FileManager.default.createSymbolicLink(
            atPath: root.appendingPathComponent("loop").path, withDestinationPath: ".")
        let files = try DirectoryReader.files(root: root) { $0.hasSuffix(".yaml") }
        #expect(files.map(\.path) == ["a/b/c.yaml", "out.yaml"])
        #expect(files[0].bytes == Array("x\n".utf8))
        #expect(files[1].kind == .symlinkOutside && files[1].bytes == nil)
        #expect(throws: GitError.self) { try DirectoryReader.files(root: temp.sub("missing")) }
    }

    @Test func bareRepositoryHasNoWorkingTree() async throws {
        let fixture = try Fixture()
        try fixture.commit(["a": "1"])
        let repo = try await GitRepository.open(at: try fixture.bareClone(named: "bare.git"))
        #expect(await repo.isBare)
        #expect(await repo.workdir == nil)
        await #expect(throws: GitError.self) { try await repo.workingTreeFiles() }
        await #expect(throws: GitError.self) { try await GitRepository.openOrCreateBare(at: fixture.work) }
    }
}
