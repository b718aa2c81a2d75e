import CharterEngine
import Foundation

extension RunService {
    /// How long a finished run's workspace is kept when nobody says otherwise: long enough to look
    /// at what a failed step left behind, short enough that daily routines do not fill the disk.
    public static let defaultWorkspaceRetention: Duration = .seconds(86_400)

    /// Removes the workspaces (`<data-dir>/workspaces/<run>/`, with the steps' captured output
    /// beside them) of runs that ended before `cutoff`, and returns those runs' ids.
    ///
    /// Like Kubernetes' `ttlSecondsAfterFinished`: only finished runs (succeeded, failed, cancelled)
    /// lose their workspace; a run that is pending, running or waiting for an approval keeps it
    /// however old it is. Everything a run publishes (summary, events, artifacts) lives elsewhere
    /// and stays. Directories that belong to no known run are left alone.
    @discardableResult
    public func removeWorkspaces(endedBefore cutoff: Date) throws -> [String] {
        let root = store.workspace(run: "x").deletingLastPathComponent()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        let outputPrefix = ".output-"
        let runIDs = Set(names.map { $0.hasPrefix(outputPrefix) ? String($0.dropFirst(outputPrefix.count)) : $0 })
        var removed: [String] = []
        for id in runIDs.sorted() {
            guard let run = try store.run(id)?.run, run.state.isTerminal, let finished = run.finishedAt,
                finished < cutoff
            else { continue }
            for name in [id, outputPrefix + id] where names.contains(name) {
                try FileManager.default.removeItem(at: root.appendingPathComponent(name, isDirectory: true))
            }
            removed.append(id)
        }
        return removed
    }
}
