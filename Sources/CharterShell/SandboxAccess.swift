/// What a sandboxed step may reach beyond its workspace and the minimal system, decided by the
/// caller from the applied run rules; the runner enforces it with mounts and namespaces.
public struct SandboxAccess: Sendable, Hashable {
    /// The step's network.
    public var network: SandboxNetwork
    /// Default mounts (``SandboxMount/path``) to leave out, because the run rules do not allow them.
    public var omittedMounts: Set<String>
    /// Paths inside the sandbox made unreadable: what exists there when the step starts is covered
    /// by an empty, inaccessible file or directory.
    public var masks: [SandboxMask]

    /// Nothing beyond the defaults: no network, every default mount, no masks.
    public static let minimal = SandboxAccess()

    /// Access as given.
    public init(network: SandboxNetwork = .none, omittedMounts: Set<String> = [], masks: [SandboxMask] = []) {
        self.network = network
        self.omittedMounts = omittedMounts
        self.masks = masks
    }
}

/// How a sandboxed step reaches the network.
public enum SandboxNetwork: Sendable, Hashable {
    /// Its own network namespace with only a loopback interface: nothing outside is reachable.
    case none
    /// Its own network namespace, plus an HTTP `CONNECT` proxy on `127.0.0.1:3128` inside it that
    /// relays to the egress proxy listening on the Unix socket `socket` outside, which decides
    /// every connection. `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `GIT_PROXY_COMMAND` point
    /// programs at it.
    case egress(socket: String)
}

/// A path inside the sandbox hidden from the step.
public struct SandboxMask: Sendable, Hashable, Comparable {
    /// The absolute path inside the sandbox.
    public var path: String
    /// Whether a directory (rather than a file) is covered.
    public var isDirectory: Bool

    /// A mask of `path`.
    public init(path: String, isDirectory: Bool) {
        self.path = path
        self.isDirectory = isDirectory
    }

    public static func < (lhs: SandboxMask, rhs: SandboxMask) -> Bool { lhs.path < rhs.path }
}

/// A host path the sandbox shows by default, read-only.
public struct SandboxMount: Sendable, Hashable {
    /// How the path appears inside.
    public enum Kind: Sendable, Hashable {
        /// Bound read-only from the host path of the same name.
        case readOnly
        /// Recreated as a symbolic link to this target (a merged-`/usr` system's `/bin`, `/lib`…).
        case symlink(String)
    }
    /// The path, the same outside and inside.
    public var path: String
    /// How it appears.
    public var kind: Kind

    /// A mount.
    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }
}
