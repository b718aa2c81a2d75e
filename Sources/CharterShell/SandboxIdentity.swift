#if canImport(Glibc)
    import Glibc
#endif

/// Who a sandboxed step runs as: never the controller's own privileges.
///
/// - A controller running as **root** starts bubblewrap privileged (no user namespace needed) and
///   the step then drops, with `setpriv`, to ``unprivileged`` — a real unprivileged user of the
///   host (by default 65534, `nobody`), with no supplementary groups, no capabilities in any set,
///   and `no_new_privs`, so neither setuid programs nor file capabilities give anything back. The
///   workspace is handed to that user before each step.
/// - Any **other** controller starts bubblewrap unprivileged in a new user namespace in which the
///   step is ``namespacedUID`` with no capabilities; on the host it remains the controller's user,
///   which is all an unprivileged process can be. Nested user namespaces are disabled.
///
/// Either way the synthesized `/etc/passwd` names the step user `step`, with `HOME` at the workspace.
public struct SandboxIdentity: Sendable, Hashable, CustomStringConvertible {
    /// The host user id a root controller's steps run as.
    public var unprivilegedUID: UInt32
    /// The host group id a root controller's steps run as.
    public var unprivilegedGID: UInt32
    /// Whether this controller is root (decided by the effective user id at start).
    public var controllerIsRoot: Bool

    /// The step's user and group id inside its user namespace (non-root controllers).
    public static let namespacedID: UInt32 = 1000

    /// The identity for this process: root or not from `geteuid()`, `nobody` as the drop target.
    public init(unprivilegedUID: UInt32 = 65534, unprivilegedGID: UInt32 = 65534, controllerIsRoot: Bool? = nil) {
        self.unprivilegedUID = unprivilegedUID
        self.unprivilegedGID = unprivilegedGID
        self.controllerIsRoot = controllerIsRoot ?? (geteuid() == 0)
    }

    /// The user and group id the step has inside the sandbox.
    var stepIDs: (uid: UInt32, gid: UInt32) {
        controllerIsRoot ? (unprivilegedUID, unprivilegedGID) : (Self.namespacedID, Self.namespacedID)
    }

    /// What the run record says about the step's user.
    public var description: String {
        controllerIsRoot
            ? "uid \(unprivilegedUID) (dropped from root)"
            : "uid \(Self.namespacedID) in a user namespace"
    }
}
