import CharterFoundation
import CharterModel
import Foundation
import Testing

@testable import CharterTools

/// The workspace file tools, tried as a model steered by a hostile prompt would: every way out of
/// the workspace is refused, and `runRules.paths` bind reads, writes, listings and searches.
@Suite struct FileToolsTests {
    let workspace: URL
    let outside: URL

    init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("tools-\(UUID().uuidString)")
        workspace = base.appendingPathComponent("workspace")
        outside = base.appendingPathComponent("secret.txt")
        try FileManager.default.createDirectory(
            at: workspace.appendingPathComponent("src"), withIntermediateDirectories: true)
        try "let x = 1\nlet needle = 2\n".write(
            to: workspace.appendingPathComponent("src/main.swift"), atomically: true, encoding: .utf8)
        try "# Demo\n".write(to: workspace.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        try "TOP SECRET".write(to: outside, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: workspace.appendingPathComponent("escape").path, withDestinationPath: outside.path)
        try FileManager.default.createSymbolicLink(
            atPath: workspace.appendingPathComponent("up").path,
            withDestinationPath: workspace.deletingLastPathComponent().path)
    }

    func context(_ policies: [Policy] = []) -> ToolCallContext {
        ToolCallContext(
            runID: "r", step: "s", callID: "call-1", workspace: workspace, rules: RunRules(policies: policies))
    }

    func call(_ tool: any AgentTool, _ arguments: Value, _ policies: [Policy] = []) async -> (String, Bool) {
        do {
            let output = try await tool.call(arguments.object ?? [:], context: context(policies))
            return (output.text, output.isError)
        } catch {
            return ("\(error)", true)
        }
    }

    @Test func listReadSearchWriteAndEditWorkInsideTheWorkspace() async throws {
        let (list, _) = await call(FilesListTool(), ["path": "."])
        #expect(list == "README.md\nescape@\nsrc/\nup@")
        let (tree, _) = await call(FilesListTool(), ["recursive": true])
        #expect(tree.contains("src/main.swift"))
        let (text, failed) = await call(
            FilesReadTool(), ["path": "/workspace/src/main.swift", "offset": 2, "limit": 1])
        #expect(!failed && text == "let needle = 2")
        let (found, _) = await call(FilesSearchTool(), ["query": "NEEDLE", "ignoreCase": true])
        #expect(found == "src/main.swift:2: let needle = 2")
        let (wrote, _) = await call(FilesWriteTool(), ["path": "notes/today.md", "content": "hello"])
        #expect(wrote == "wrote 5 bytes to notes/today.md")
        let (edited, editFailed) = await call(
            FilesEditTool(), ["path": "notes/today.md", "old": "hello", "new": "bye"])
        #expect(!editFailed && edited == "edited notes/today.md")
        #expect(try String(contentsOf: workspace.appendingPathComponent("notes/today.md"), encoding: .utf8) == "bye")
    }

    @Test(arguments: ["../secret.txt", "src/../../secret.txt", "/etc/passwd", "escape", "up/secret.txt", "a\0b"])
    func noPathLeavesTheWorkspace(path: String) async throws {
        let (read, readFailed) = await call(FilesReadTool(), ["path": .string(path)])
        #expect(readFailed && !read.contains("TOP SECRET"))
        let (_, writeFailed) = await call(FilesWriteTool(), ["path": .string(path), "content": "x"])
        #expect(writeFailed)
        #expect(try String(contentsOf: outside, encoding: .utf8) == "TOP SECRET")
        let (_, listFailed) = await call(FilesListTool(), ["path": .string(path)])
        #expect(listFailed)
    }

    @Test func aWriteThroughALinkedDirectoryOrOntoALinkIsRefused() async throws {
        let (onLink, failed) = await call(FilesWriteTool(), ["path": "escape", "content": "owned"])
        #expect(failed && onLink.contains("not a regular file"))
        let (_, underLink) = await call(FilesWriteTool(), ["path": "up/secret.txt", "content": "owned"])
        #expect(underLink)
        #expect(try String(contentsOf: outside, encoding: .utf8) == "TOP SECRET")
        let (found, _) = await call(FilesSearchTool(), ["query": "TOP SECRET"])
        #expect(found == "no matches")
    }

    @Test func runRulesPathsBindEveryFileTool() async throws {
        let policy = Policy(name: "p", spec: ["runRules": ["paths": ["deny": ["/workspace/src/**"]]]])
        let (read, failed) = await call(FilesReadTool(), ["path": "src/main.swift"], [policy])
        #expect(failed && read.contains("runRules.paths"))
        let (list, _) = await call(FilesListTool(), ["recursive": true], [policy])
        #expect(!list.contains("main.swift"))
        let (found, _) = await call(FilesSearchTool(), ["query": "needle"], [policy])
        #expect(found == "no matches")
        let (_, writeFailed) = await call(FilesWriteTool(), ["path": "src/new.swift", "content": "x"], [policy])
        #expect(writeFailed)
    }

    @Test func bigAndBinaryFilesAreCutOrRefused() async throws {
        try Data(repeating: 0, count: 100).write(to: workspace.appendingPathComponent("blob.bin"))
        let (binary, failed) = await call(FilesReadTool(), ["path": "blob.bin"])
        #expect(failed && binary.contains("not a UTF-8 text file"))
        try String(repeating: "a", count: 200_000).write(
            to: workspace.appendingPathComponent("big.txt"), atomically: true, encoding: .utf8)
        let (big, _) = await call(FilesReadTool(), ["path": "big.txt"])
        #expect(big.utf8.count < ToolCallContext.defaultResultLimit + 100 && big.contains("[cut:"))
    }

    @Test func anEditNeedsExactlyOneOccurrence() async throws {
        try "a\na\n".write(to: workspace.appendingPathComponent("twice.txt"), atomically: true, encoding: .utf8)
        let (twice, failed) = await call(FilesEditTool(), ["path": "twice.txt", "old": "a", "new": "b"])
        #expect(failed && twice.contains("occurs 2 times"))
        let (missing, missingFailed) = await call(FilesEditTool(), ["path": "twice.txt", "old": "zzz", "new": "b"])
        #expect(missingFailed && missing.contains("does not occur"))
    }
}
