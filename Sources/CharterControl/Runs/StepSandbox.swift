import CharterModel
import CharterShell
import Foundation

/// What the applied `runRules.paths` leave of a shell step's sandbox: mounts to omit and paths to
/// mask, computed when the step starts.
///
/// - A default mount (a system directory, an operator's toolchain path, a synthesized `/etc`
///   file) is omitted when a deny pattern matches its path, or when allow-lists exist and none
///   matches its path itself (`/usr/**` does; `/usr/bin/**` does not allow all of `/usr`).
/// - In the workspace, every existing entry is checked: a denied one, or one no allow-list
///   reaches when there are allow-lists, is masked (an inaccessible empty file or directory lies
///   over it). Files a step creates are checked when the next step starts; an agent's file tools
///   check every access.
/// - In a mounted system directory, what an absolute deny pattern matches below its literal
///   prefix (`/usr/share/secrets` of `/usr/share/secrets/**`) is masked.
///
/// The walks are bounded: past ``limit`` entries the step fails closed, saying which pattern
/// needs narrowing, rather than run with rules it could not check.
enum StepSandbox {
    /// The most entries one step's checks may visit.
    static let limit = 100_000

    static func access(
        rules: RunRules, mounts: [SandboxMount], workspace: URL, network: SandboxNetwork = .none, limit: Int = limit
    ) throws -> SandboxAccess {
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
        var walker = Walker(rules: rules, limit: limit)
        if rules.deniedPaths.contains(where: { $0.mayMatchBelow(root) }) || !rules.allowedPaths.isEmpty {
            try walker.walk(host: workspace.path, sandbox: root)
        }
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
            walker.patterns = [pattern]
            try walker.walk(host: prefix, sandbox: prefix, denyOnly: true)
        }
        return SandboxAccess(network: network, omittedMounts: omitted, masks: walker.masks)
    }

    /// A bounded walk that never follows a symbolic link (a link is a name; its target is checked
    /// where it lies, if it is inside the sandbox at all).
    struct Walker {
        let rules: RunRules
        let limit: Int
        var patterns: [PathPattern]? = nil
        var masks: [SandboxMask] = []
        var visited = 0

        init(rules: RunRules, limit: Int) {
            self.rules = rules
            self.limit = limit
        }

        mutating func walk(host: String, sandbox: String, denyOnly: Bool = false) throws {
            var info = stat()
            guard lstat(host, &info) == 0 else { return }
            try visit(host: host, sandbox: sandbox, info: info, denyOnly: denyOnly, isRoot: true)
        }

        private func denied(_ path: String) -> Bool {
            (patterns ?? rules.deniedPaths).contains { $0.matches(path) }
        }

        private func allowed(_ path: String) -> Bool {
            rules.allowedPaths.isEmpty || rules.allowedPaths.contains { $0.matches(path) }
        }

        private mutating func visit(
            host: String, sandbox: String, info: stat, denyOnly: Bool, isRoot: Bool
        ) throws {
            visited += 1
            guard visited <= limit else {
                throw StepRulesError(
                    "checking runRules.paths needs more than \(limit) entries under \(sandbox): narrow the patterns (anchor them in a directory) or keep fewer files there"
                )
            }
            let isDirectory = info.st_mode & S_IFMT == S_IFDIR
            let isLink = info.st_mode & S_IFMT == S_IFLNK
            if !isRoot {
                if denied(sandbox) {
                    if !isLink { masks.append(SandboxMask(path: sandbox, isDirectory: isDirectory)) }
                    return
                }
                if !denyOnly && !allowed(sandbox) {
                    let below = isDirectory && rules.allowedPaths.contains { $0.mayMatchBelow(sandbox) }
                    if !below && !isLink {
                        masks.append(SandboxMask(path: sandbox, isDirectory: isDirectory))
                        return
                    }
                }
            }
            guard isDirectory else { return }
            let mayMatch =
                (patterns ?? rules.deniedPaths).contains { $0.mayMatchBelow(sandbox) }
                || (!denyOnly && !rules.allowedPaths.isEmpty)
            guard mayMatch else { return }
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: host) else { return }
            for name in entries.sorted() {
                var child = stat()
                let childHost = host + "/" + name
                guard lstat(childHost, &child) == 0 else { continue }
                try visit(
                    host: childHost, sandbox: sandbox == "/" ? "/" + name : sandbox + "/" + name, info: child,
                    denyOnly: denyOnly, isRoot: false)
            }
        }
    }
}
