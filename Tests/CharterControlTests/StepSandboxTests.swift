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

    @Test func denyPatternsMaskWhatExistsAndPruneTheRest() throws {
        let ws = try workspace(["src/a.swift", "src/key.pem", ".ssh/id", "deep/x/y/.env", "README"])
        let access = try StepSandbox.access(
            rules: rules(["deny": ["~/.ssh/**", "*.pem", "**/.env"]]), mounts: mounts, workspace: ws)
        #expect(
            access.masks.map(\.path).sorted() == [
                "/workspace/.ssh", "/workspace/deep/x/y/.env", "/workspace/src/key.pem",
            ])
        #expect(access.masks.first { $0.path == "/workspace/.ssh" }?.isDirectory == true)
        #expect(access.omittedMounts.isEmpty)
    }

    @Test func allowListsOmitMountsAndMaskWhatTheyDoNotReach() throws {
        let ws = try workspace(["src/a.swift", "secrets/token", "notes.txt"])
        let access = try StepSandbox.access(
            rules: rules(["allow": ["/usr/**", "/bin", "~/src/**"]]), mounts: mounts, workspace: ws)
        #expect(access.omittedMounts.contains("/etc/ssl/certs"))
        #expect(access.omittedMounts.contains("/etc/passwd"), "synthesized files obey the allow-list too")
        #expect(!access.omittedMounts.contains("/usr") && !access.omittedMounts.contains("/bin"))
        #expect(access.masks.map(\.path).sorted() == ["/workspace/notes.txt", "/workspace/secrets"])
    }

    @Test func symlinksAreNamesNotWaysOut() throws {
        let ws = try workspace(["real/key.pem"])
        try FileManager.default.createSymbolicLink(
            atPath: ws.appendingPathComponent("link.pem").path, withDestinationPath: "/etc/passwd")
        try FileManager.default.createSymbolicLink(
            atPath: ws.appendingPathComponent("loop").path, withDestinationPath: ws.path)
        let access = try StepSandbox.access(rules: rules(["deny": ["*.pem"]]), mounts: mounts, workspace: ws)
        #expect(access.masks.map(\.path) == ["/workspace/real/key.pem"], "a link is neither masked nor followed")
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
            "\(error)".contains("more than 50 entries under /workspace")
        }
        // Without patterns that need a walk, nothing is visited.
        let untouched = try StepSandbox.access(
            rules: rules(["deny": ["/opt/x/**"]]), mounts: mounts, workspace: ws, limit: 1)
        #expect(untouched.masks.isEmpty)
    }
}
