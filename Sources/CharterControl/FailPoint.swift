import Foundation

/// Named points where a test can kill the process for real (SIGKILL, no cleanup), to prove that a
/// crash at that exact point loses nothing and duplicates nothing — the failpoints of FoundationDB
/// and TiKV. Set `CHARTER_FAILPOINT=NAME` in the environment of a `charter` process; when it reaches
/// the point named, it kills itself. Unset, a point costs one dictionary lookup.
///
/// Points: `reconcile.before-apply` (votes and approval saved, nothing applied),
/// `reconcile.after-apply` (the state committed, the proposal not yet marked applied),
/// `writeback.before-commit` (the store written, nothing on the status branch yet),
/// `writeback.before-ref-update` (the status commit built, the branch not moved),
/// `run.agent-started` (an agent step's attempt recorded, its call not made),
/// `agent.call-started` (a side-effecting tool call journaled as started, not yet run),
/// `rebuild.after-link` (`rebuild --replace`: the live file linked aside, its logs in place),
/// `rebuild.before-rename` (its logs set aside too, the rebuilt file not yet in place),
/// `rebuild.after-rename` (the rebuilt store in place, its build directory not yet removed).
///
/// Failpoints prove the instants we thought of; the randomized kill harness
/// (`Tests/CharterCLITests/KillHarnessTests.swift`) kills at instants nobody chose.
public enum FailPoint {
    /// The point armed for this process, read once.
    static let armed: String? = ProcessInfo.processInfo.environment["CHARTER_FAILPOINT"]

    /// Kills the process with SIGKILL when `name` is the armed point.
    public static func hit(_ name: String) {
        guard let armed, armed == name else { return }
        FileHandle.standardError.write(Data("charter: failpoint \(name): killing the process\n".utf8))
        kill(getpid(), SIGKILL)
    }
}
