import Foundation

/// The hostile inputs of `charter-bench hostile`: what a pushed `proposals/*` branch could hold to
/// crash, hang or flood the controller. Each is written as a git repository whose branch
/// `proposals/hostile` holds the input on top of a one-Organization `main`.
enum HostileInputs {
    struct Case {
        var name: String
        var summary: String
        /// Files of the hostile commit (path → text); empty when `craft` builds the tree instead.
        var files: [String: String] = [:]
        /// Builds the hostile tree from the base tree's entries; returns the tree id.
        var craft: ((HostileRepo, [HostileRepo.Entry]) throws -> String)?
    }

    static func document(_ kind: String, _ name: String, _ spec: String) -> String {
        "apiVersion: charter/v1\nkind: \(kind)\nmetadata: {name: \(name)}\nspec:\n\(spec)"
    }

    /// A Team spec with `count` unknown fields: one diagnostic each, about a megabyte at 90,000.
    static func noisyTeam(_ name: String, fields count: Int) -> String {
        document("Team", name, "  displayName: X\n" + (0..<count).map { "  f\(String($0, radix: 16)): 1\n" }.joined())
    }

    /// The cases in the order the table shows them; built on each call (the inputs are large).
    static var all: [Case] {
        [
            Case(
                name: "durations",
                summary: "steps with `timeout`, `initialBackoff`, `maxBackoff` of 214000d (586 years)",
                files: [
                    "templates/slow.yaml": document(
                        "Template", "slow",
                        "  steps:\n"
                            + (0..<100).map {
                                "    - {name: s\($0), type: shell, run: exit 1, timeout: 214000d, retry: {maxAttempts: 3, initialBackoff: 214000d, maxBackoff: 214000d}}\n"
                            }.joined())
                ]),
            Case(
                name: "endpoints", summary: "100 CapacitySources with `endpoint: http://127.0.0.1:99999/v1`",
                files: [
                    "capacity/evil.yaml": (0..<100).map {
                        document(
                            "CapacitySource", "evil-\($0)",
                            "  provider: openai\n  class: evil\n  endpoint: http://127.0.0.1:99999/v\($0)\n  model: m\n"
                        )
                    }.joined(separator: "---\n")
                ]),
            Case(
                name: "patterns",
                summary:
                    "100 parameters, each an adversarial pattern (`a*a*…b`, `(a+)+`, `(a|a)*b`…) with a 4,096-character default",
                files: [
                    "templates/evil.yaml": document(
                        "Template", "evil",
                        "  parameters:\n"
                            + (0..<100).map { i in
                                let patterns = [
                                    "a*a*a*a*a*a*a*a*a*a*b", "(a+)+$", "(a|a)*b", "(a|aa)*c", "(\\\\w*)*x",
                                    "(a*){100}b",
                                    "(.*a){20}", "(a|b)*a(a|b){40}",
                                ]
                                return
                                    "    - name: p\(i)\n      pattern: \"\(patterns[i % patterns.count])\"\n      default: "
                                    + String(repeating: "a", count: 4095) + "!\n"
                            }.joined() + "  steps:\n    - {name: s, type: shell, run: echo}\n")
                ]),
            Case(
                name: "steps", summary: "16,000 chained steps in one template (under the 1 MiB file limit)",
                files: [
                    "templates/big.yaml": document(
                        "Template", "big",
                        "  steps:\n    - {name: s0, type: shell, run: e}\n"
                            + (1..<16_000).map { "    - {name: s\($0), type: shell, needs: [s\($0 - 1)], run: e}\n" }
                            .joined())
                ]),
            Case(
                name: "step-graph", summary: "1,000 chained steps (the limit), each reading the first step's output",
                files: [
                    "templates/chain.yaml": document(
                        "Template", "chain",
                        "  steps:\n    - {name: s0, type: shell, run: e}\n"
                            + (1..<1000).map {
                                "    - {name: s\($0), type: shell, needs: [s\($0 - 1)], run: e, env: {A: '${{ steps.s0.output }}'}}\n"
                            }.joined())
                ]),
            Case(
                name: "team-cycle", summary: "a cycle of 50,000 team parents in 5 files",
                files: Dictionary(
                    uniqueKeysWithValues: stride(from: 0, to: 50_000, by: 10_000).map { start in
                        (
                            "teams/cycle\(start).yaml",
                            (start..<start + 10_000).map {
                                "apiVersion: charter/v1\nkind: Team\nmetadata: {name: t\($0)}\nspec: {displayName: T, parent: t\(($0 + 1) % 50_000)}\n"
                            }.joined(separator: "---\n")
                        )
                    })),
            Case(
                name: "noisy-file", summary: "one 1 MiB file with 90,000 unknown fields",
                files: ["teams/noisy.yaml": noisyTeam("noisy", fields: 90_000)]),
            Case(
                name: "blob-20-paths", summary: "that 1 MiB file as one blob listed at 20 paths (a 700 KB push)",
                craft: { repo, base in
                    let blob = try repo.blob(noisyTeam("noisy", fields: 90_000))
                    let copies = try repo.tree(
                        (0..<20).map { .init(mode: "100644", type: "blob", id: blob, name: "copy\($0).yaml") })
                    return try repo.tree(base + [.init(mode: "040000", type: "tree", id: copies, name: "evil")])
                }),
            Case(
                name: "tree-bomb", summary: "a tree listing itself 16 times, 8 levels deep: 4 billion paths from 10 KB",
                craft: { repo, base in
                    var tree = try repo.tree(
                        (0..<16).map {
                            .init(
                                mode: "100644", type: "blob",
                                id: try repo.blob(document("Team", "bomb", "  displayName: B\n")),
                                name: "f\($0).yaml")
                        })
                    for _ in 0..<8 {
                        tree = try repo.tree(
                            (0..<16).map { .init(mode: "040000", type: "tree", id: tree, name: "d\($0)") })
                    }
                    return try repo.tree(base + [.init(mode: "040000", type: "tree", id: tree, name: "bomb")])
                }),
            Case(
                name: "missing-refs", summary: "a team of 10,000 members who do not exist, among 20,000 people",
                files: [
                    "people/crowd-a.yaml": (0..<10_000).map { document("Person", "p\($0)", "  displayName: P\n") }
                        .joined(separator: "---\n"),
                    "people/crowd-b.yaml": (10_000..<20_000).map { document("Person", "p\($0)", "  displayName: P\n") }
                        .joined(separator: "---\n"),
                    "teams/big.yaml": document(
                        "Team", "big",
                        "  displayName: B\n  members: [\((0..<10_000).map { "x\($0)" }.joined(separator: ", "))]\n"),
                ]),
            Case(
                name: "duplicates", summary: "one Team defined 12,000 times in one file",
                files: [
                    "teams/dups.yaml": (0..<12_000).map { _ in document("Team", "dup", "  displayName: D\n") }.joined(
                        separator: "---\n")
                ]),
            Case(
                name: "script-findings", summary: "a 100,000-character shell script with 6,600 unsafe uses of a value",
                files: [
                    "templates/script.yaml": document(
                        "Template", "script",
                        "  parameters:\n    - name: x\n  steps:\n    - name: s\n      type: shell\n      env: {X: '${{ params.x }}'}\n      run: |\n"
                            + String(repeating: "        eval \"$X\"; sh -c \"$X\"; echo \"$X\" | sh\n", count: 2200)
                            .prefix(99_000))
                ]),
        ]
    }
}

/// A git repository for one hostile case, driven by the git CLI.
struct HostileRepo {
    struct Entry {
        var mode: String
        var type: String
        var id: String
        var name: String
    }

    let root: URL

    /// Creates `root` with `main` holding an Organization, and `proposals/hostile` holding `c`.
    static func write(_ c: HostileInputs.Case, to root: URL) throws -> HostileRepo {
        let fm = FileManager.default
        try? fm.removeItem(at: root)
        try fm.createDirectory(at: root, withIntermediateDirectories: true)
        let repo = HostileRepo(root: root)
        try repo.git(["init", "--quiet", "--initial-branch=main"])
        try Data(HostileInputs.document("Organization", "acme", "  displayName: Acme\n").utf8).write(
            to: root.appendingPathComponent("organization.yaml"))
        try repo.git(["add", "-A"])
        try repo.git(["commit", "--quiet", "-m", "base"])
        if let craft = c.craft {
            let base = try repo.git(["ls-tree", "HEAD"]).split(separator: "\n").map { line -> Entry in
                let parts = line.split(separator: "\t", maxSplits: 1)
                let meta = parts[0].split(separator: " ")
                return Entry(mode: String(meta[0]), type: String(meta[1]), id: String(meta[2]), name: String(parts[1]))
            }
            let tree = try craft(repo, base)
            let commit = try repo.git(["commit-tree", tree, "-p", "HEAD", "-m", c.name])
            try repo.git(["update-ref", "refs/heads/proposals/hostile", commit])
        } else {
            try repo.git(["checkout", "--quiet", "-b", "proposals/hostile"])
            for (path, text) in c.files {
                let url = root.appendingPathComponent(path)
                try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(text.utf8).write(to: url)
            }
            try repo.git(["add", "-A"])
            try repo.git(["commit", "--quiet", "-m", c.name])
            try repo.git(["checkout", "--quiet", "main"])
        }
        return repo
    }

    func blob(_ text: String) throws -> String {
        try git(["hash-object", "-w", "--stdin"], input: Data(text.utf8))
    }

    func tree(_ entries: [Entry]) throws -> String {
        try git(["mktree"], input: Data(entries.map { "\($0.mode) \($0.type) \($0.id)\t\($0.name)\n" }.joined().utf8))
    }

    /// Runs git in the repository with a fixed identity and clock; returns stdout, trimmed.
    @discardableResult
    func git(_ arguments: [String], input: Data? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-c", "commit.gpgsign=false"] + arguments
        process.currentDirectoryURL = root
        var env = ProcessInfo.processInfo.environment
        for key in ["AUTHOR", "COMMITTER"] {
            env["GIT_\(key)_NAME"] = "charter-bench"
            env["GIT_\(key)_EMAIL"] = "bench@synthetic.example"
            env["GIT_\(key)_DATE"] = "2025-01-01T00:00:00Z"
        }
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            // Written from another thread, so a full stdout pipe cannot block both sides.
            let writer = stdin.fileHandleForWriting
            DispatchQueue.global().async {
                writer.write(input)
                try? writer.close()
            }
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OrgWriter.Failure(description: "git \(arguments.joined(separator: " ")) failed")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
