import CharterTestSupport
import Foundation
import Testing

@testable import CharterGit

@Suite struct FetchTests {
    @Test(arguments: ["path", "file"])
    func mirrorsLocalRemoteIncrementally(form: String) async throws {
        let fixture = try Fixture()
        let first = try fixture.commit(["a.yaml": "1\n"])
        try fixture.git("branch", "proposals/x", in: fixture.work)
        let url = form == "path" ? fixture.work.path : "file://" + fixture.work.path
        let mirrorURL = fixture.temp.sub("mirrors/one.git")
        let mirror = try await GitRepository.mirror(url: url, into: mirrorURL, branches: ["main", "proposals/x"])
        #expect(await mirror.isBare)
        #expect(try await mirror.resolve("main").hex == first)
        #expect(try await mirror.resolve("HEAD").hex == first)
        #expect(try await mirror.resolve("proposals/x").hex == first)
        #expect(try fixture.revParse("main", in: mirrorURL) == first)

        let second = try fixture.commit(["a.yaml": "2\n", "b.yaml": "new\n"])
        try await mirror.updateMirror(from: url, branches: ["main"])
        #expect(try await mirror.resolve("main").hex == second)
        #expect(try await mirror.resolve("proposals/x").hex == first)
        let changes = try await mirror.changedPaths(from: ObjectID(hex: first), to: ObjectID(hex: second)!)
        #expect(changes.map(\.path) == ["a.yaml", "b.yaml"])

        // Reopening finds the same mirror; a forced remote rewind is followed.
        try fixture.git("reset", "-q", "--hard", first, in: fixture.work)
        let reopened = try await GitRepository.mirror(url: url, into: mirrorURL, branches: ["main"])
        #expect(try await reopened.resolve("main").hex == first)
    }

    @Test func fetchesIntoRemoteTrackingRefs() async throws {
        let fixture = try Fixture()
        let head = try fixture.commit(["a.yaml": "1\n"])
        let temp = try TemporaryDirectory()
        let repo = try await GitRepository.openOrCreateBare(at: temp.sub("r.git"))
        try await repo.fetch(from: fixture.work.path, refspecs: ["+refs/heads/main:refs/remotes/origin/main"])
        #expect(try await repo.resolve("refs/remotes/origin/main").hex == head)
        #expect(try await repo.resolve("origin/main").hex == head)
        #expect(try await repo.branches().isEmpty)
    }

    @Test func fetchesOverGitDaemon() async throws {
        let fixture = try Fixture()
        let first = try fixture.commit(["a.yaml": "1\n"])
        let served = try fixture.bareClone(named: "served.git")
        let daemon = try await startGitDaemon(base: fixture.temp.url, git: fixture.git)
        let url = "git://127.0.0.1:\(daemon.port)/served.git"
        let mirror = try await GitRepository.mirror(url: url, into: fixture.temp.sub("m.git"), branches: ["main"])
        #expect(try await mirror.resolve("main").hex == first)

        try fixture.commit(["a.yaml": "2\n"])
        try fixture.git("push", "-q", served.path, "main", in: fixture.work)
        try await mirror.updateMirror(from: url, branches: ["main"])
        #expect(try await mirror.resolve("main").hex == fixture.revParse("main"))
        withExtendedLifetime(daemon) {}
    }

    @Test func missingRemoteNamesTheOperation() async throws {
        let temp = try TemporaryDirectory()
        let repo = try await GitRepository.openOrCreateBare(at: temp.sub("r.git"))
        let missing = temp.sub("nope.git").path
        let error = try await #require(throws: GitError.self) {
            try await repo.fetch(from: missing, refspecs: ["+refs/heads/main:refs/heads/main"])
        }
        #expect(error.operation == "fetch refs/heads/main from \(missing)")
        #expect(error.code.rawValue < 0)
        #expect(!error.message.isEmpty)

        // A refused connection, with a token in the URL that must not leak into the error.
        let port = try LoopbackServer.freePort()
        let secretURL = "https://user:tok3n@127.0.0.1:\(port)/repo.git"
        let network = try await #require(throws: GitError.self) {
            try await repo.fetch(from: secretURL, refspecs: ["refs/heads/main:refs/heads/main"])
        }
        #expect(!network.description.contains("tok3n"))
        #expect(network.operation == "fetch refs/heads/main from https://***@127.0.0.1:\(port)/repo.git")
    }

    @Test func openingAMissingRepositoryFails() async throws {
        let temp = try TemporaryDirectory()
        let error = try await #require(throws: GitError.self) { try await GitRepository.open(at: temp.sub("none")) }
        #expect(error.code == .notFound)
        #expect(error.operation.hasPrefix("open repository at "))
    }
}
