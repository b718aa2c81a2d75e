import CharterFoundation
import CharterModel
import Foundation
import Testing

@testable import CharterTools

/// A walk (`files.list` recursive, `files.search`) holds a descriptor for each directory on the
/// way down, not one for every directory it has yet to visit: a workspace with thousands of
/// sibling directories must not take thousands of the controller's descriptors at once (with a
/// service's usual soft limit of 1,024, every other run, socket and database handle of the
/// controller would fail with EMFILE meanwhile).
@Suite struct WalkDescriptorTests {
    static func openDescriptors() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
    }

    @Test func aWideTreeIsWalkedWithFewDescriptors() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("wide-\(UUID().uuidString)")
        for i in 0..<1500 {
            let directory = root.appendingPathComponent(String(format: "d%04d", i))
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(
                atPath: directory.appendingPathComponent("f").path, contents: Data("x".utf8))
        }
        defer { try? FileManager.default.removeItem(at: root) }
        let before = Self.openDescriptors()
        var peak = 0
        var paths: [String] = []
        let cut = try ConfinedDirectory(root.path).walk([], limit: 5000) { path, entry in
            paths.append(path)
            if path.hasSuffix("/f") && paths.count % 100 == 0 { peak = max(peak, Self.openDescriptors()) }
            return true
        }
        #expect(!cut)
        #expect(paths.count == 3000)
        // Parents first, names sorted, each directory's whole listing before its subdirectories.
        #expect(Array(paths.prefix(3)) == ["d0000", "d0001", "d0002"])
        #expect(paths[1500] == "d0000/f" && paths[1501] == "d0001/f")
        #expect(peak - before < 100, "\(peak - before) descriptors open at once")
        #expect(Self.openDescriptors() - before < 20)
    }

    @Test func aDeepChainDoesNotTakeADescriptorPerLevelWithoutBound() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("deep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        // 600 levels, made relative to each directory (the path is longer than PATH_MAX).
        var fd = open(root.path, O_RDONLY | O_DIRECTORY)
        for _ in 0..<600 {
            mkdirat(fd, "d", 0o755)
            let next = openat(fd, "d", O_RDONLY | O_DIRECTORY)
            close(fd)
            fd = next
        }
        close(fd)
        let before = Self.openDescriptors()
        var peak = 0
        var count = 0
        try ConfinedDirectory(root.path).walk([], limit: 5000) { _, _ in
            count += 1
            if count % 50 == 0 { peak = max(peak, Self.openDescriptors()) }
            return true
        }
        #expect(peak - before < 200, "\(peak - before) descriptors open at once")
        #expect(Self.openDescriptors() - before < 20)
    }
}
