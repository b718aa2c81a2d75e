import CharterEngine
import CharterFoundation
import Foundation

/// What a retried shell step finds in the workspace.
///
/// Steps share their run's workspace, and what an attempt did there is not rolled back in general:
/// like Temporal's activities and Argo's retried steps, a script should be safe to run again. One
/// failure is common enough to handle: an attempt that dies half-way through creating something —
/// a clone, a download, an unpacked archive — leaves a partial directory that makes every retry
/// fail at once (`destination path 'src' already exists`). So before each attempt Charter records
/// the workspace's top-level entries (beside the run's captured output, before the attempt starts,
/// so it survives a controller killed mid-attempt), and before the next attempt of the same step it
/// removes the top-level entries that appeared since. It does this only when no other shell step of
/// the run can be running alongside (none outside this step's `needs` chain): otherwise a new entry
/// might be another step's, and the workspace is left as it is, which the attempt's record says.
enum WorkspaceRetry {
    /// `.output-<run>/<step>.attempt-<n>.entries` beside the workspace.
    static func manifest(of workspace: URL, step: String, attempt: Int) -> URL {
        workspace.deletingLastPathComponent().appendingPathComponent(
            ".output-\(workspace.lastPathComponent)/\(step).attempt-\(attempt).entries")
    }

    /// Prepares the workspace for `context`'s attempt: undoes what the previous attempt added at
    /// the top level when that is safe, then records the entries this attempt starts with. Returns
    /// a note for the attempt's record.
    static func prepare(_ context: StepContext) throws -> String? {
        var note: String?
        if context.attempt > 1 {
            let previous = manifest(of: context.workspace, step: context.step.name, attempt: context.attempt - 1)
            if let data = FileManager.default.contents(atPath: previous.path),
                let before = try? JSONDecoder().decode([String].self, from: data)
            {
                if context.mayRunAlongside(type: "shell") {
                    note = "the workspace is as the previous attempt left it: other shell steps may run alongside"
                } else {
                    let added = Set(try entries(context.workspace)).subtracting(before).sorted()
                    for name in added {
                        try DirectoryTree.remove(context.workspace.appendingPathComponent(name).path)
                    }
                    if !added.isEmpty {
                        note = "removed what the previous attempt added: \(added.prefix(20).joined(separator: ", "))"
                    }
                }
            }
        }
        let current = manifest(of: context.workspace, step: context.step.name, attempt: context.attempt)
        try FileManager.default.createDirectory(
            at: current.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONEncoder().encode(try entries(context.workspace)).write(to: current, options: .atomic)
        return note
    }

    private static func entries(_ workspace: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: workspace.path)
    }
}
