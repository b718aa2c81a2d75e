import CharterFoundation
import CharterModel
import Foundation
import Testing

@testable import CharterTools

/// A path is split into components at every `/` byte, whatever follows it. Swift's `split` on a
/// `String` works on grapheme clusters, and a `/` followed by a combining mark (U+0301) or a
/// zero-width joiner is one cluster, not a separator: such a "component" would reach `openat` with
/// a `/` inside, and the kernel would follow a symbolic link before it — out of the workspace — and
/// `runRules.paths` would not see the directory it names.
@Suite struct ConfinedPathSplittingTests {
    let base: URL
    let workspace: URL

    init() throws {
        base = FileManager.default.temporaryDirectory.appendingPathComponent("split-\(UUID().uuidString)")
        workspace = base.appendingPathComponent("workspace")
        try FileManager.default.createDirectory(
            at: workspace.appendingPathComponent("secrets"), withIntermediateDirectories: true)
        // A link a repository (or a shell step) planted, pointing out of the workspace.
        try FileManager.default.createSymbolicLink(
            atPath: workspace.appendingPathComponent("up").path, withDestinationPath: base.path)
        try "OUTSIDE".write(to: base.appendingPathComponent("\u{301}out"), atomically: true, encoding: .utf8)
        try "KEY".write(
            to: workspace.appendingPathComponent("secrets/\u{200D}key"), atomically: true, encoding: .utf8)
    }

    func call(_ tool: any AgentTool, _ arguments: Value, _ policies: [Policy] = []) async -> (String, Bool) {
        let context = ToolCallContext(
            runID: "r", step: "s", callID: "c", workspace: workspace, rules: RunRules(policies: policies))
        do {
            let output = try await tool.call(arguments.object ?? [:], context: context)
            return (output.text, output.isError)
        } catch {
            return ("\(error)", true)
        }
    }

    @Test func componentsSplitAtEverySlashByte() throws {
        #expect(try ConfinedDirectory.components("up/\u{301}x") == ["up", "\u{301}x"])
        #expect(throws: ConfinedPathError.self) { try ConfinedDirectory.components("a/\u{301}/../../x") }
    }

    @Test func aSlashBeforeACombiningMarkDoesNotFollowALink() async throws {
        let (_, wroteFailed) = await call(FilesWriteTool(), ["path": "up/\u{301}planted", "content": "owned"])
        #expect(wroteFailed)
        #expect(!FileManager.default.fileExists(atPath: base.appendingPathComponent("\u{301}planted").path))
        let (_, dirFailed) = await call(FilesWriteTool(), ["path": "up/\u{200D}/deep/file", "content": "owned"])
        #expect(dirFailed)
        #expect(!FileManager.default.fileExists(atPath: base.appendingPathComponent("\u{200D}").path))
        let (read, readFailed) = await call(FilesReadTool(), ["path": "up/\u{301}out"])
        #expect(readFailed && !read.contains("OUTSIDE"), "\(read)")
    }

    @Test func deniedPathsHoldForNamesStartingWithACombiningMark() async throws {
        let policy = Policy(name: "p", spec: ["runRules": ["paths": ["deny": ["/workspace/secrets/**"]]]])
        let (read, failed) = await call(FilesReadTool(), ["path": "secrets/\u{200D}key"], [policy])
        #expect(failed && !read.contains("KEY"), "\(read)")
        let (_, writeFailed) = await call(
            FilesWriteTool(), ["path": "secrets/\u{200D}new", "content": "x"], [policy])
        #expect(writeFailed)
        #expect(!RunRules(policies: [policy]).allowsPath("/workspace/secrets/\u{200D}key"))
    }
}
