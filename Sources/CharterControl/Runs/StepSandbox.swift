import CharterFoundation
import CharterModel
import CharterShell
import Foundation

/// What the applied `runRules.paths` leave of a shell step's sandbox, decided when the step starts.
///
/// - A default mount (a system directory, an operator's toolchain path, a synthesized `/etc`
///   file) is left out when a deny pattern matches its path, or when allow-lists exist and none
///   matches its path itself (`/usr/**` does; `/usr/bin/**` does not allow all of `/usr`).
/// - In the workspace, every existing entry is checked: a denied one, or one no allow-list reaches
///   when there are allow-lists, is **moved out** of the workspace into the run's quarantine
///   (beside its captured output, outside every sandbox), so no later step of the run sees it.
///   Moving rather than covering with a mount matters: the workspace is written by steps that may
///   be running at the same moment, and a mount point there could be swapped for a link to the
///   host between the check and the mount. The walk uses directory descriptors and never follows
///   a link; a name that is not UTF-8 cannot be matched, so it is quarantined when any rule could
///   apply to it.
/// - In a mounted system directory, which steps cannot change, what an absolute deny pattern
///   matches below its literal prefix (`/usr/share/secrets` of `/usr/share/secrets/**`) is
///   masked with an inaccessible empty file or directory.
///
/// The walks are bounded: past ``limit`` entries the step fails closed, saying which pattern
/// needs narrowing, rather than run with rules it could not check.
enum StepSandbox {
    /// The most entries one step's checks may visit.
    static let limit = 500_000

    /// The access of a step in `workspace`, and the workspace entries quarantined for it.
    static func access(
        rules: RunRules, mounts: [SandboxMount], workspace: URL, quarantine: URL? = nil,
        network: SandboxNetwork = .none, limit: Int = limit
    ) throws -> (access: SandboxAccess, quarantined: [String]) {
        var omitted = Set<String>()
        for path in mounts.map(\.path) + SandboxLayout.synthesizedFiles where !rules.allowsPath(path) {
            omitted.insert(path)
        }
        let root = SandboxLayout.workspace
        if rules.deniedPaths.contains(where: { $0.matches(root) }) {
            throw StepRulesError(
                "the Policies' runRules.paths deny the workspace itself (\(root)), so no step can run: narrow the deny pattern"
            )
        }
        var quarantined: [String] = []
        let walksWorkspace =
            rules.deniedPaths.contains(where: { $0.mayMatchBelow(root) }) || !rules.allowedPaths.isEmpty
        if walksWorkspace {
            do {
                quarantined = try DirectoryTree.walk(
                    workspace.path, quarantine: (quarantine ?? Self.quarantine(of: workspace)).path, limit: limit
                ) { entry in
                    decide(entry, rules: rules)
                }
            } catch {
                throw StepRulesError(
                    "checking runRules.paths in the workspace failed: \(error.message); narrow the patterns or keep fewer files there"
                )
            }
        }
        var masks: [SandboxMask] = []
        var visited = 0
        for pattern in rules.deniedPaths {
            let prefix = pattern.literalPrefix
            guard !prefix.hasPrefix(root + "/"), prefix != root,
                let mount = mounts.first(where: {
                    if case .readOnly = $0.kind, !omitted.contains($0.path) {
                        return prefix == $0.path || prefix.hasPrefix($0.path + "/")
                    }
                    return false
                }), mount.path != "/"
            else { continue }
            try systemMasks(below: prefix, pattern: pattern, into: &masks, visited: &visited, limit: limit)
        }
        return (SandboxAccess(network: network, omittedMounts: omitted, masks: masks), quarantined)
    }

    /// `<workspaces>/.output-<run>/quarantine` for the workspace `<workspaces>/<run>`: removed with
    /// the run's captured output.
    static func quarantine(of workspace: URL) -> URL {
        workspace.deletingLastPathComponent().appendingPathComponent(
            ".output-\(workspace.lastPathComponent)/quarantine")
    }

    static func decide(_ entry: DirectoryTree.Entry, rules: RunRules) -> DirectoryTree.Decision {
        guard let relative = entry.path else {
            // Patterns match text; a name that is not UTF-8 cannot be checked, so it goes.
            return .quarantine
        }
        let path = SandboxLayout.workspace + "/" + relative
        if rules.deniedPaths.contains(where: { $0.matches(path) }) { return .quarantine }
        if !rules.allowedPaths.isEmpty && !rules.allowedPaths.contains(where: { $0.matches(path) }) {
            let reachable = entry.isDirectory && rules.allowedPaths.contains { $0.mayMatchBelow(path) }
            if !reachable { return .quarantine }
        }
        guard entry.isDirectory else { return .skip }
        let mayMatch = rules.deniedPaths.contains { $0.mayMatchBelow(path) } || !rules.allowedPaths.isEmpty
        return mayMatch ? .descend : .skip
    }

    /// Masks for what `pattern` matches in a read-only system directory, below `prefix`.
    static func systemMasks(
        below prefix: String, pattern: PathPattern, into masks: inout [SandboxMask], visited: inout Int, limit: Int
    ) throws {
        var info = stat()
        guard lstat(prefix, &info) == 0 else { return }
        if pattern.matches(prefix) {
            masks.append(SandboxMask(path: prefix, isDirectory: info.st_mode & S_IFMT == S_IFDIR))
            return
        }
        guard info.st_mode & S_IFMT == S_IFDIR, pattern.mayMatchBelow(prefix) else { return }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: prefix)) ?? []
        for name in names.sorted() {
            visited += 1
            guard visited <= limit else {
                throw StepRulesError(
                    "checking runRules.paths needs more than \(limit) entries under \(prefix): anchor `\(pattern)` in a narrower directory"
                )
            }
            try systemMasks(
                below: prefix + "/" + name, pattern: pattern, into: &masks, visited: &visited, limit: limit)
        }
    }
}
