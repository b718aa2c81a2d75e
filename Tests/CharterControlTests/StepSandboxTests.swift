import CharterModel
import CharterShell
import CharterTestSupport
import Foundation
import Testing

@testable import CharterControl

@Suite struct StepSandboxTests {
    func rules(_ paths: Value) -> RunRules {
        RunRules(policies: [Policy(name: "p", spec: ["runRules": ["paths": paths]])])
    }

    func workspace(_ files: [String]) throws -> URL {
        let root = makeTemporaryDirectory("ws")
        for file in files {
            let url = root.appendingPathComponent(file)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data("x".utf8).write(to: url)
        }
        return root
    }

    let mounts = [
        SandboxMount(path: "/usr", kind: .readOnly), SandboxMount(path: "/bin", kind: .symlink("usr/bin")),
        SandboxMount(path: "/etc/ssl/certs", kind: .readOnly),
    ]

    func exists(_ ws: URL, _ path: String) -> Bool {
        var info = stat()
        return lstat(ws.appendingPathComponent(path).path, &info) == 0
    }

    @Test func deniedEntriesLeaveTheWorkspaceForTheQuarantine() throws {
        let ws = try workspace(["src/a.swift", "src/key.pem", ".ssh/id", "deep/x/y/.env", "README"])
        let quarantine = makeTemporaryDirectory("q").appendingPathComponent("quarantine")
        let (access, quarantined) = try StepSandbox.access(
            rules: rules(["deny": ["~/.ssh/**", "*.pem", "**/.env"]]), mounts: mounts, workspace: ws,
            quarantine: quarantine)
        #expect(quarantined.sorted() == [".ssh", "deep/x/y/.env", "src/key.pem"])
        #expect(!exists(ws, ".ssh") && !exists(ws, "src/key.pem") && !exists(ws, "deep/x/y/.env"))
        #expect(exists(ws, "src/a.swift") && exists(ws, "README"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: quarantine.path).count == 3)
        #expect(access.masks.isEmpty && access.omittedMounts.isEmpty)
    }

    @Test func namesThatAreNotUTF8CannotBeCheckedSoTheyGo() throws {
        let ws = try workspace(["plain.txt"])
        var path = Array(ws.path.utf8) + [0x2F] + Array("key".utf8) + [0xFF] + Array(".pem".utf8) + [0]
        let fd = path.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { creat($0, 0o644) }
        }
        #expect(fd >= 0)
        if fd >= 0 { close(fd) }
        let (_, quarantined) = try StepSandbox.access(
            rules: rules(["deny": ["*.pem"]]), mounts: mounts, workspace: ws,
            quarantine: makeTemporaryDirectory("q").appendingPathComponent("q"))
        #expect(quarantined.count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: ws.path) == ["plain.txt"])
    }

    @Test func allowListsOmitMountsAndQuarantineWhatTheyDoNotReach() throws {
        let ws = try workspace(["src/a.swift", "secrets/token", "notes.txt"])
        let (access, quarantined) = try StepSandbox.access(
            rules: rules(["allow": ["/usr/**", "/bin", "~/src/**"]]), mounts: mounts, workspace: ws,
            quarantine: makeTemporaryDirectory("q").appendingPathComponent("q"))
        #expect(access.omittedMounts.contains("/etc/ssl/certs"))
        #expect(access.omittedMounts.contains("/etc/passwd"), "synthesized files obey the allow-list too")
        #expect(!access.omittedMounts.contains("/usr") && !access.omittedMounts.contains("/bin"))
        #expect(quarantined.sorted() == ["notes.txt", "secrets"])
        #expect(exists(ws, "src/a.swift"))
    }

    @Test func linksAreNamesNeverFollowed() throws {
        let outside = makeTemporaryDirectory("outside")
        try Data("x".utf8).write(to: outside.appendingPathComponent("host.pem"))
        let ws = try workspace(["real/key.pem"])
        try FileManager.default.createSymbolicLink(
            atPath: ws.appendingPathComponent("dir").path, withDestinationPath: outside.path)
        try FileManager.default.createSymbolicLink(
            atPath: ws.appendingPathComponent("loop").path, withDestinationPath: ws.path)
        let (_, quarantined) = try StepSandbox.access(
            rules: rules(["deny": ["*.pem"]]), mounts: mounts, workspace: ws,
            quarantine: makeTemporaryDirectory("q").appendingPathComponent("q"))
        #expect(quarantined == ["real/key.pem"], "a link to a directory is not walked")
        #expect(FileManager.default.fileExists(atPath: outside.appendingPathComponent("host.pem").path))
    }

    @Test func denyingTheWorkspaceItselfFailsTheStepWithTheReason() throws {
        let ws = try workspace([])
        #expect {
            _ = try StepSandbox.access(rules: rules(["deny": ["~/**"]]), mounts: mounts, workspace: ws)
        } throws: { error in
            "\(error)".contains("deny the workspace itself")
        }
    }

    @Test func aWorkspaceTooLargeToCheckFailsClosed() throws {
        let ws = try workspace((0..<60).map { "d\($0 % 6)/f\($0)" })
        #expect {
            _ = try StepSandbox.access(rules: rules(["deny": ["*.pem"]]), mounts: mounts, workspace: ws, limit: 50)
        } throws: { error in
            "\(error)".contains("more than 50 entries")
        }
        // Without patterns that need a walk, nothing is visited.
        let untouched = try StepSandbox.access(
            rules: rules(["deny": ["/opt/x/**"]]), mounts: mounts, workspace: ws, limit: 1)
        #expect(untouched.access.masks.isEmpty && untouched.quarantined.isEmpty)
    }
}
