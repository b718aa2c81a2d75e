import Foundation

/// A real git repository in a temporary directory, driven by the `git` CLI so tests cross-check
/// Charter's libgit2 reading against git itself.
public struct GitFixture: Sendable {
    public let root: URL

    /// A new repository with `main` as its initial branch.
    public init(name: String = "org") throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("charter-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try git("init", "-q", "-b", "main")
    }

    /// Runs git in the repository with a fixed identity and no user or system config.
    @discardableResult
    public func git(_ args: String...) throws -> String {
        try Self.run(["-C", root.path] + args)
    }

    /// Runs git with `args`, returning stdout; throws with stderr when git fails.
    @discardableResult
    public static func run(_ args: [String]) throws -> String {
        var env = ProcessInfo.processInfo.environment
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["GIT_CONFIG_GLOBAL"] = "/dev/null"
        let r = try ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/git"),
            ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"] + args,
            environment: env)
        guard r.status == 0 else { throw FixtureError("git \(args.joined(separator: " ")) failed: \(r.stderr)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stores `text` as a blob (not in the working tree); returns its id.
    public func blob(_ text: String) throws -> String {
        let file = makeTemporaryDirectory("blob").appendingPathComponent("blob")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return try git("hash-object", "-w", file.path)
    }

    /// Stores a tree of `entries` (mode, `blob` or `tree`, id, name); returns its id. The same
    /// object may be listed many times: git stores it once.
    public func tree(_ entries: [(mode: String, type: String, id: String, name: String)]) throws -> String {
        let file = makeTemporaryDirectory("tree").appendingPathComponent("entries")
        try entries.map { "\($0.mode) \($0.type) \($0.id)\t\($0.name)\n" }.joined()
            .write(to: file, atomically: true, encoding: .utf8)
        let r = try ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/git"), ["-C", root.path, "mktree"],
            environment: ["GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null"], input: file)
        guard r.status == 0 else { throw FixtureError("git mktree failed: \(r.stderr)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A commit of `tree` on top of HEAD, without touching any branch; returns its id.
    public func commit(tree: String, message: String = "crafted") throws -> String {
        try git("commit-tree", tree, "-p", "HEAD", "-m", message)
    }

    /// Writes a file (creating directories).
    public func write(_ path: String, _ text: String) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// Reads a file.
    public func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// Stages everything and commits; returns the commit id.
    @discardableResult
    public func commitAll(_ message: String) throws -> String {
        try git("add", "-A")
        try git("commit", "-q", "-m", message)
        return try git("rev-parse", "HEAD")
    }

    /// Copies a directory tree (such as example-repo) into the repository.
    public func copy(from source: URL) throws {
        let fm = FileManager.default
        for item in try fm.contentsOfDirectory(atPath: source.path) {
            try fm.copyItem(at: source.appendingPathComponent(item), to: root.appendingPathComponent(item))
        }
    }

    /// The project's `example-repo/`.
    public static var exampleRepo: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("example-repo")
    }
}

/// A fixture could not be set up.
public struct FixtureError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A fresh temporary directory.
public func makeTemporaryDirectory(_ name: String = "tmp") -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("charter-\(name)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
