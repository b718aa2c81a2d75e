import CharterGit
import CharterStatus
import CharterTestSupport
import Foundation
import Testing

@Suite struct BlobStoreTests {
    @Test func pathsAreContentAddressed() {
        let hello = Array("hello\n".utf8)
        let hash = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
        #expect(BlobStore.hash(hello) == hash)
        #expect(BlobStore.path(for: hello) == "blobs/58/\(hash)")
        #expect(BlobStore.hash(ofPath: "blobs/58/\(hash)") == hash)
        #expect(BlobStore.hash(ofPath: "blobs/59/\(hash)") == nil)
        #expect(BlobStore.hash(ofPath: "blobs/58/\(hash.uppercased())") == nil)
        #expect(BlobStore.hash(ofPath: "blobs/58/\(hash)/x") == nil)
        #expect(BlobStore.path(for: []) == "blobs/e3/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let updates = BlobStore.updates(for: [hello, hello, []])
        #expect(updates.count == 2)
        #expect(updates["blobs/58/\(hash)"] == hello)
    }

    @Test func verificationReportsMismatches() {
        let a = Array("prompt".utf8)
        let b = Array("response".utf8)
        var files = BlobStore.updates(for: [a, b])
        #expect(BlobStore.verify(files: files).isEmpty)
        files[BlobStore.path(for: a)] = Array("tampered".utf8)
        files["blobs/zz/not-a-hash"] = a
        files["STATUS.md"] = Array("ignored".utf8)
        let problems = BlobStore.verify(files: files)
        #expect(problems.map(\.path) == [BlobStore.path(for: a), "blobs/zz/not-a-hash"])
        #expect(problems[0].reason == .hashMismatch)
        #expect(problems[0].actualHash == BlobStore.hash(Array("tampered".utf8)))
        #expect(problems[1].reason == .invalidPath)
    }

    @Test func verifiesBlobsInACommit() async throws {
        let directory = makeTemporaryDirectory("blobs")
        defer { try? FileManager.default.removeItem(at: directory) }
        let repository = try await GitRepository.openOrCreateBare(at: directory.appendingPathComponent("r.git"))
        let good = Array("good".utf8)
        var changes = BlobStore.updates(for: [good]).mapValues { FileUpdate.write($0) }
        changes["blobs/aa/" + String(repeating: "a", count: 64)] = .write(Array("bad".utf8))
        let commit = try await repository.createCommit(
            parent: nil, changes: changes, message: "blobs", author: GitSignature(name: "T", email: "t@x"))
        let problems = try await BlobStore.verify(in: repository, at: commit)
        #expect(problems.map(\.path) == ["blobs/aa/" + String(repeating: "a", count: 64)])
    }
}
