import CharterEngine
import CharterFoundation
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

    /// Removes a tree a sandboxed step wrote: through directory descriptors (no link is followed,
    /// no depth is too deep), making directories writable as it goes; the message is bounded.
    private static func remove(_ url: URL) throws {
        do {
            try DirectoryTree.remove(url.path)
        } catch {
            throw CleanupError(String(error.message.prefix(500)))
        }
    }
}

/// Why a workspace could not be removed.
struct CleanupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
