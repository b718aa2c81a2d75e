import Foundation

/// One bubblewrap start: its short command line, and the in-memory files it reads everything else
/// from, to be placed at descriptors 3, 4, … of the child.
///
/// Everything that comes from a template — the script, environment values, secrets — travels in
/// in-memory files and reaches only the sandboxed process: bubblewrap itself runs with an empty
/// environment and the fixed command line `bwrap --args 3 -- [setpriv …] [netbridge --] /bin/sh
/// /run/charter/step.sh`, so no step variable (`LD_PRELOAD`, say) can touch a process outside the
/// sandbox, and no value shows in the host's process list.
struct BubblewrapInvocation {
    /// `argv` for `posix_spawn`.
    let arguments: [String]
    /// The files, in child-descriptor order starting at 3; kept open until the child has started.
    let files: [MemoryFile]

    /// The descriptor numbers to give the child, in order.
    var descriptors: [Int32] { files.map(\.descriptor) }

    /// The inside-the-sandbox facts a step's environment needs.
    struct Plan {
        var executable: String
        var identity: SandboxIdentity
        var mounts: [SandboxMount]
        var access: SandboxAccess
        /// The host directory bound read-write at ``SandboxLayout/workspace``.
        var workspace: String
        /// A host directory holding an empty file `file` and an empty directory `directory`, both
        /// mode 0, bound over masked paths.
        var maskSource: String
        /// The `charter-netbridge` executable, for ``SandboxNetwork/egress(socket:)``.
        var bridge: String?
        var environment: [String: String]
        /// The shell, inside, that runs ``script``.
        var shell: String
        /// The step's script, which the shell reads from ``SandboxLayout/runDirectory``/`step.sh`.
        var script: String
    }

    /// The invocation for `plan`.
    static func make(_ plan: Plan) throws(ShellError) -> BubblewrapInvocation {
        var files: [MemoryFile] = []
        var nextDescriptor: Int32 = 4  // 3 is the --args file itself
        func data(_ name: String, _ bytes: [UInt8]) throws(ShellError) -> String {
            files.append(try MemoryFile(name: name, bytes: bytes))
            defer { nextDescriptor += 1 }
            return String(nextDescriptor)
        }

        var args = [
            "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-net", "--unshare-cgroup-try",
            "--hostname", "charter-step", "--die-with-parent",
        ]
        let ids = plan.identity.stepIDs
        if plan.identity.controllerIsRoot {
            // setpriv, inside, needs these to drop to the unprivileged user; it then clears every set.
            args += [
                "--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP",
            ]
        } else {
            args += [
                "--unshare-user", "--uid", String(ids.uid), "--gid", String(ids.gid), "--disable-userns",
                "--cap-drop", "ALL",
            ]
        }
        args += ["--seccomp", try data("charter-seccomp", SeccompFilter.program())]

        // bubblewrap makes missing parents of a mount point private (0700) to root, where the step
        // could not reach what is bound below: create them world-readable first.
        var parents = Set<String>()
        let destinations = plan.mounts.map(\.path) + ["/etc/passwd", "\(SandboxLayout.runDirectory)/step.sh"]
        for destination in destinations {
            var parent = (destination as NSString).deletingLastPathComponent
            var chain: [String] = []
            while parent != "/" && !parent.isEmpty && parents.insert(parent).inserted {
                chain.append(parent)
                parent = (parent as NSString).deletingLastPathComponent
            }
            for directory in chain.reversed() { args += ["--perms", "0755", "--dir", directory] }
        }
        for mount in plan.mounts where !plan.access.omittedMounts.contains(mount.path) {
            switch mount.kind {
            case .readOnly: args += ["--ro-bind", mount.path, mount.path]
            case .symlink(let target): args += ["--symlink", target, mount.path]
            }
        }
        for (path, text) in SandboxLayout.etcFiles(uid: ids.uid, gid: ids.gid)
        where !plan.access.omittedMounts.contains(path) {
            args += ["--perms", "0444", "--ro-bind-data", try data("charter-etc", Array(text.utf8)), path]
        }
        args += [
            "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp", "--dir", "/var",
            "--symlink", "../tmp", "/var/tmp",
        ]
        args += ["--bind", plan.workspace, SandboxLayout.workspace]

        let scriptPath = "\(SandboxLayout.runDirectory)/step.sh"
        args += ["--perms", "0444", "--ro-bind-data", try data("charter-step", Array(plan.script.utf8)), scriptPath]
        // Everything before this shell runs with an empty environment; it loads the step's
        // variables and becomes the step's shell.
        var command = [
            plan.shell, "-c", ". \(SandboxLayout.runDirectory)/environment && exec \(plan.shell) \(scriptPath)",
        ]
        if case .egress(let socket) = plan.access.network {
            guard let bridge = plan.bridge else {
                throw ShellError(
                    .sandboxUnavailable,
                    "the step is granted network, but charter-netbridge was not found: install it next to the charter executable"
                )
            }
            let run = SandboxLayout.runDirectory
            args += [
                "--ro-bind", bridge, "\(run)/netbridge", "--symlink", "netbridge", "\(run)/connect",
                "--bind", socket, "\(run)/egress.sock",
            ]
            command = ["\(run)/netbridge", "--"] + command
        }
        for mask in plan.access.masks.sorted() {
            let source = "\(plan.maskSource)/\(mask.isDirectory ? "directory" : "file")"
            args += ["--ro-bind", source, mask.path]
        }
        // The environment is a file the step's own shell reads once it runs as the step user: given
        // to bubblewrap, it would reach `setpriv`, which runs as root until it drops privileges, and
        // a step's `LD_PRELOAD` would run code there.
        let environmentPath = "\(SandboxLayout.runDirectory)/environment"
        args += [
            "--perms", "0444", "--ro-bind-data",
            try data("charter-env", Array(try Self.exports(plan.environment).utf8)),
            environmentPath,
        ]
        // The synthesized root stays as built: the step writes only to the workspace and /tmp.
        args += ["--remount-ro", "/", "--chdir", SandboxLayout.workspace, "--clearenv"]
        if plan.identity.controllerIsRoot {
            command =
                [
                    "/usr/bin/setpriv", "--reuid=\(ids.uid)", "--regid=\(ids.gid)", "--clear-groups",
                    "--inh-caps=-all", "--bounding-set=-all", "--",
                ] + command
        }

        var bytes: [UInt8] = []
        for arg in args {
            bytes += Array(arg.utf8)
            bytes.append(0)
        }
        let argsFile = try MemoryFile(name: "charter-bwrap-args", bytes: bytes)
        return BubblewrapInvocation(
            arguments: [plan.executable, "--args", "3", "--"] + command, files: [argsFile] + files)
    }

    /// `environment` as `export NAME='value'` lines for the step's shell to read: each value one
    /// single-quoted word (`'` written as `'\''`), inside which a POSIX shell treats no character
    /// specially, so the file sets exactly these values whatever they hold.
    ///
    /// - Throws: ``ShellError/Kind/invalidEnvironment`` for a name that is not a shell identifier.
    static func exports(_ environment: [String: String]) throws(ShellError) -> String {
        var text = ""
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) {
            guard let first = name.unicodeScalars.first,
                first == "_" || (first.isASCII && first.properties.isAlphabetic),
                name.unicodeScalars.allSatisfy({
                    $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)))
                })
            else {
                throw ShellError(
                    .invalidEnvironment,
                    "step variable name \(name.debugDescription) is not valid in a sandbox: use letters, digits and `_`, not starting with a digit"
                )
            }
            text += "export \(name)='" + value.replacingOccurrences(of: "'", with: "'\\''") + "'\n"
        }
        return text
    }

    /// The environment of the sandboxed process: `controller`'s locale and time zone variables
    /// (the only ones that cross), a fixed `PATH`, the step user's `HOME`, `USER` and `TMPDIR`,
    /// the proxy variables when it has network, then the step's own variables, which win.
    static func environment(
        controller: [String: String], inherited: [String], network: SandboxNetwork, step: [String: String]
    ) -> [String: String] {
        var out: [String: String] = [:]
        for name in inherited where name != "PATH" {
            if let value = controller[name] { out[name] = value }
        }
        out["PATH"] = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"
        out["HOME"] = SandboxLayout.workspace
        out["PWD"] = SandboxLayout.workspace
        out["USER"] = SandboxLayout.userName
        out["LOGNAME"] = SandboxLayout.userName
        out["TMPDIR"] = "/tmp"
        if case .egress = network {
            let proxy = "http://127.0.0.1:3128"
            for name in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"] {
                out[name] = proxy
                out[name.lowercased()] = proxy
            }
            out["NO_PROXY"] = "localhost,127.0.0.1,::1"
            out["no_proxy"] = out["NO_PROXY"]
            out["GIT_PROXY_COMMAND"] = "\(SandboxLayout.runDirectory)/connect"
        }
        for (name, value) in step { out[name] = value }
        return out
    }
}
