import Foundation

extension GitFixture {
    /// Commits onto `branch` a tree entry that `git add` would refuse — a name such as `..`, `.` or
    /// `.git` — built with git's plumbing (`mktree`, `commit-tree`), the way anyone who can push the
    /// branch could craft it. `directory` is the entry's parent (`votes/P-0001`, or "" for the root);
    /// the entry is a file holding `contents`, or with `asTree` a directory holding one file `x.json`.
    /// Returns the new commit.
    @discardableResult
    public func commitCraftedEntry(
        on branch: String, in directory: String, named name: String, contents: String = "{}\n",
        asTree: Bool = false, message: String = "crafted entry"
    ) throws -> String {
        var entry = (mode: "100644", type: "blob", id: try hashObject(contents), name: name)
        if asTree {
            let inner = try makeTree(["100644 blob \(entry.id)\tx.json"])
            entry = ("040000", "tree", inner, name)
        }
        // From the entry's directory up to the root, each level's listing with the entry replaced.
        var components = directory.split(separator: "/").map(String.init)
        while true {
            let level = components.joined(separator: "/")
            var lines = try listing(branch: branch, directory: level).filter { !$0.hasSuffix("\t\(entry.name)") }
            lines.append("\(entry.mode) \(entry.type) \(entry.id)\t\(entry.name)")
            let tree = try makeTree(lines)
            guard let last = components.popLast() else {
                let parent = try git("rev-parse", branch)
                let commit = try git("commit-tree", tree, "-p", parent, "-m", message)
                try git("update-ref", "refs/heads/\(branch)", commit, parent)
                return commit
            }
            entry = ("040000", "tree", tree, last)
        }
    }

    /// Commits onto `branch` one file per name in `names` — raw bytes, such as names that are not
    /// UTF-8 or that differ only in Unicode normalization — in `directory`, each holding `contents`,
    /// built with `git mktree -z` as anyone who can push the branch could. Returns the new commit.
    @discardableResult
    public func commitCraftedFiles(
        on branch: String, in directory: String, named names: [[UInt8]], contents: String,
        message: String = "crafted names"
    ) throws -> String {
        let blob = try hashObject(contents)
        // The directory's own entries (UTF-8 names, as `git add` wrote them) plus the crafted ones.
        var input: [UInt8] = []
        for line in try listing(branch: branch, directory: directory) {
            input += Array(line.utf8) + [0]
        }
        for name in names { input += Array("100644 blob \(blob)\t".utf8) + name + [0] }
        let file = makeTemporaryDirectory("crafted").appendingPathComponent("tree")
        try Data(input).write(to: file)
        let result = try ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/git"), ["-C", root.path, "mktree", "-z"], input: file)
        guard result.status == 0 else { throw FixtureError("git mktree -z failed: \(result.stderr)") }
        var entry = (mode: "040000", type: "tree", id: result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        var components = directory.split(separator: "/").map(String.init)
        guard var name = components.popLast() else { throw FixtureError("give a directory such as `teams`") }
        while true {
            let level = components.joined(separator: "/")
            var lines = try listing(branch: branch, directory: level).filter { !$0.hasSuffix("\t\(name)") }
            lines.append("\(entry.mode) \(entry.type) \(entry.id)\t\(name)")
            let tree = try makeTree(lines)
            guard let last = components.popLast() else {
                let parent = try git("rev-parse", branch)
                let commit = try git("commit-tree", tree, "-p", parent, "-m", message)
                try git("update-ref", "refs/heads/\(branch)", commit, parent)
                return commit
            }
            entry = ("040000", "tree", tree)
            name = last
        }
    }

    /// `git ls-tree` of `directory` at `branch` (its root for ""), or nothing when it does not exist.
    private func listing(branch: String, directory: String) throws -> [String] {
        let spec = directory.isEmpty ? "\(branch)^{tree}" : "\(branch):\(directory)"
        guard (try? git("cat-file", "-e", spec)) != nil else { return [] }
        return try git("ls-tree", spec).split(separator: "\n").map(String.init)
    }

    private func hashObject(_ contents: String) throws -> String {
        let file = makeTemporaryDirectory("crafted").appendingPathComponent("object")
        try contents.write(to: file, atomically: true, encoding: .utf8)
        return try git("hash-object", "-w", file.path)
    }

    /// `git mktree` of `lines` (ls-tree format), which writes names `git add` would refuse.
    private func makeTree(_ lines: [String]) throws -> String {
        let input = makeTemporaryDirectory("crafted").appendingPathComponent("tree")
        try (lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")).write(
            to: input, atomically: true, encoding: .utf8)
        let result = try ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/git"), ["-C", root.path, "mktree"], input: input)
        guard result.status == 0 else { throw FixtureError("git mktree failed: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
