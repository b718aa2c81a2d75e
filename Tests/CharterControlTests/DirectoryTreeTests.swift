import CharterFoundation
import CharterTestSupport
import Foundation
import Testing

@Suite struct DirectoryTreeTests {
    @Test func removesTreesDeeperThanPathMaxWithoutFollowingLinks() throws {
        let root = makeTemporaryDirectory("deep")
        let outside = makeTemporaryDirectory("outside")
        try Data("keep".utf8).write(to: outside.appendingPathComponent("keep"))
        // 300 levels of 60 characters: 18,000 bytes of path, far over PATH_MAX (4,096).
        let tree = root.appendingPathComponent("ws")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        var fd = open(tree.path, O_RDONLY | O_DIRECTORY)
        let segment = String(repeating: "d", count: 60)
        for _ in 0..<300 {
            #expect(mkdirat(fd, segment, 0o755) == 0)
            let next = openat(fd, segment, O_RDONLY | O_DIRECTORY)
            close(fd)
            fd = next
        }
        #expect(symlinkat(outside.path, fd, "link") == 0)
        _ = fchmod(fd, 0o500)  // read-only at the bottom, as a module cache leaves it
        close(fd)
        try DirectoryTree.remove(tree.path)
        #expect(!FileManager.default.fileExists(atPath: tree.path))
        #expect(FileManager.default.fileExists(atPath: outside.appendingPathComponent("keep").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).isEmpty, "nothing left beside it")
    }

    @Test func aMissingPathIsNotAnError() throws {
        try DirectoryTree.remove(makeTemporaryDirectory("gone").appendingPathComponent("nothing").path)
    }
}
