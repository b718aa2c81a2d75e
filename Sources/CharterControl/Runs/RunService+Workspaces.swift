import CharterEngine
import Foundation

/// What ``RunService/removeWorkspaces(endedBefore:)`` did.
public struct WorkspaceCleanup: Sendable, Hashable {
    /// Runs whose workspaces were removed.
    public var removed: [String] = []
    /// Runs whose workspaces could not be removed, with why; tried again on the next pass.
    public var failed: [String: String] = [:]
}

extension RunService {
    /// How long a finished run's workspace is kept when nobody says otherwise: long enough to look
    /// at what a failed step left behind, short enough that daily routines do not fill the disk.
    public static let defaultWorkspaceRetention: Duration = .seconds(86_400)

    /// Removes the workspaces (`<data-dir>/workspaces/<run>/`, with the steps' captured output
    /// beside them) of runs that ended before `cutoff`.
    ///
    /// Like Kubernetes' `ttlSecondsAfterFinished`: only finished runs (succeeded, failed, cancelled)
    /// lose their workspace; a run that is pending, running or waiting for an approval keeps it
    /// however old it is. Everything a run publishes (summary, events, artifacts) lives elsewhere
    /// and stays. Directories that belong to no known run are left alone. Read-only directories a
    /// step left behind (a module cache, say) are made writable first.
    public func removeWorkspaces(endedBefore cutoff: Date) throws -> WorkspaceCleanup {
        let root = store.workspacesDirectory
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        let outputPrefix = ".output-"
        let runIDs = Set(names.map { $0.hasPrefix(outputPrefix) ? String($0.dropFirst(outputPrefix.count)) : $0 })
        var cleanup = WorkspaceCleanup()
        for id in runIDs.sorted() {
            guard let run = try store.run(id)?.run, run.state.isTerminal, let finished = run.finishedAt,
                finished < cutoff
            else { continue }
            do {
                for name in [id, outputPrefix + id] where names.contains(name) {
                    try Self.remove(root.appendingPathComponent(name, isDirectory: true))
                }
                cleanup.removed.append(id)
            } catch {
                cleanup.failed[id] = "\(error)"
            }
        }
        return cleanup
    }

    private static func remove(_ url: URL) throws {
        do {
            try FileManager.default.removeItem(at: url)
        } catch {
            // A directory without write permission cannot lose its entries: grant it, then retry.
            let files = FileManager.default
            for case let item as URL in files.enumerator(at: url, includingPropertiesForKeys: nil) ?? .init() {
                let values = try? item.resourceValues(forKeys: [.isDirectoryKey, .isSymbolicLinkKey])
                if values?.isDirectory == true, values?.isSymbolicLink != true {
                    try? files.setAttributes([.posixPermissions: 0o700], ofItemAtPath: item.path)
                }
            }
            try? files.setAttributes([.posixPermissions: 0o700], ofItemAtPath: url.path)
            try files.removeItem(at: url)
        }
    }
}
