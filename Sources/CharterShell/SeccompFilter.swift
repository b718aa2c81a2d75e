import CSeccomp
import CharterFoundation
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The seccomp filter every sandboxed step runs under, compiled with libseccomp into the BPF program
/// bubblewrap loads (`--seccomp FD`) before it starts the command.
///
/// A deny-list in the style of Docker's and Flatpak's default profiles: the step keeps the system
/// calls ordinary programs (compilers, git, interpreters) use, and loses the ones that widen the
/// kernel surface it can reach or let it act on things outside its sandbox:
/// - new namespaces and mounts (`unshare`, `clone` with `CLONE_NEWUSER`, `setns`, `mount`, the new
///   mount API, `pivot_root`, `chroot`), since a user namespace hands back every capability inside it;
/// - kernel keyrings (`keyctl`, `add_key`, `request_key`), which are per user, not per sandbox;
/// - tracing and memory of other processes (`ptrace`, `process_vm_*`, `pidfd_getfd`, `kcmp`);
/// - kernel modules, kexec, BPF, perf events, `userfaultfd` and io_uring, the usual exploit vectors;
/// - clocks, swap, reboot, quotas, accounting, `syslog`;
/// - the terminal injection ioctls `TIOCSTI` and `TIOCLINUX`;
/// - socket families other than Unix, IPv4, IPv6 and netlink (`AF_PACKET`, `AF_VSOCK`, `AF_ALG`…).
///
/// Denied calls fail with `EPERM` (`EAFNOSUPPORT` for socket families) rather than killing the
/// process, so a program that probes for a feature falls back the way it would on an older
/// kernel. `clone3` fails with `ENOSYS`: its flags live in memory a filter cannot read, and C
/// libraries then fall back to `clone`, whose flags it can. System calls of any other
/// architecture (the 32-bit `int 0x80` and x32 entry points on x86-64) kill the process.
public enum SeccompFilter {
    /// System calls that fail with `EPERM`; names this architecture lacks are skipped.
    public static let deniedCalls = [
        "_sysctl", "acct", "add_key", "afs_syscall", "bpf", "chroot", "clock_adjtime", "clock_settime",
        "create_module", "delete_module", "fanotify_init", "finit_module", "fsconfig", "fsmount", "fsopen", "fspick",
        "get_kernel_syms", "init_module", "io_uring_enter", "io_uring_register", "io_uring_setup", "ioperm", "iopl",
        "kcmp", "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie", "migrate_pages", "mount",
        "mount_setattr", "move_mount", "move_pages", "name_to_handle_at", "nfsservctl", "open_by_handle_at",
        "open_tree", "perf_event_open", "pidfd_getfd", "pivot_root", "process_madvise", "process_vm_readv",
        "process_vm_writev", "ptrace", "query_module", "quotactl", "quotactl_fd", "reboot", "request_key", "setns",
        "settimeofday", "stime", "swapoff", "swapon", "syslog", "umount", "umount2", "unshare", "uselib",
        "userfaultfd", "ustat", "vhangup", "vm86", "vm86old",
    ]

    /// Socket families a step may open: `AF_UNIX`, `AF_INET`, `AF_INET6`, `AF_NETLINK`.
    public static let allowedSocketFamilies: Set<UInt64> = [1, 2, 10, 16]

    private static let cloneNewUser: UInt64 = 0x1000_0000
    private static let terminalInjection: [UInt64] = [0x5412, 0x541C]  // TIOCSTI, TIOCLINUX
    private static let cached = Locked<Result<[UInt8], ShellError>?>(nil)

    /// The compiled BPF program, built once per process.
    ///
    /// - Throws: ``ShellError/Kind/sandboxUnavailable`` when libseccomp cannot build it.
    public static func program() throws(ShellError) -> [UInt8] {
        let result = cached.withLock { cached in
            if let cached { return cached }
            let built = Result<[UInt8], ShellError> { () throws(ShellError) in try build() }
            cached = built
            return built
        }
        return try result.get()
    }

    private static func build() throws(ShellError) -> [UInt8] {
        guard let context = seccomp_init(UInt32(SCMP_ACT_ALLOW)) else {
            throw ShellError(.sandboxUnavailable, "libseccomp could not start a filter")
        }
        defer { seccomp_release(context) }
        func check(_ rc: Int32, _ what: String) throws(ShellError) {
            guard rc == 0 else {
                throw ShellError(
                    .sandboxUnavailable,
                    "libseccomp could not add \(what): \(String(cString: strerror(-rc))) (errno \(-rc))")
            }
        }
        try check(seccomp_attr_set(context, SCMP_FLTATR_ACT_BADARCH, UInt32(SCMP_ACT_KILL_PROCESS)), "bad-arch action")
        let eperm = charter_seccomp_act_errno(UInt16(EPERM))
        for name in deniedCalls {
            let number = seccomp_syscall_resolve_name(name)
            guard number >= 0 else { continue }
            try check(seccomp_rule_add_array(context, eperm, number, 0, nil), name)
        }
        if let clone3 = resolved("clone3") {
            try check(
                seccomp_rule_add_array(context, charter_seccomp_act_errno(UInt16(ENOSYS)), clone3, 0, nil), "clone3")
        }
        if let clone = resolved("clone") {
            // x86-64 and arm64 take the flags as the first argument.
            var flags = scmp_arg_cmp(arg: 0, op: SCMP_CMP_MASKED_EQ, datum_a: cloneNewUser, datum_b: cloneNewUser)
            try check(seccomp_rule_add_array(context, eperm, clone, 1, &flags), "clone with CLONE_NEWUSER")
        }
        if let ioctl = resolved("ioctl") {
            for request in terminalInjection {
                var compare = scmp_arg_cmp(arg: 1, op: SCMP_CMP_MASKED_EQ, datum_a: 0xFFFF_FFFF, datum_b: request)
                try check(seccomp_rule_add_array(context, eperm, ioctl, 1, &compare), "ioctl \(request)")
            }
        }
        if let socket = resolved("socket") {
            let refuse = charter_seccomp_act_errno(UInt16(EAFNOSUPPORT))
            let highest = allowedSocketFamilies.max()!
            for family in 0..<highest where !allowedSocketFamilies.contains(family) {
                var compare = scmp_arg_cmp(arg: 0, op: SCMP_CMP_EQ, datum_a: family, datum_b: 0)
                try check(seccomp_rule_add_array(context, refuse, socket, 1, &compare), "socket family \(family)")
            }
            var above = scmp_arg_cmp(arg: 0, op: SCMP_CMP_GT, datum_a: highest, datum_b: 0)
            try check(seccomp_rule_add_array(context, refuse, socket, 1, &above), "socket families above \(highest)")
        }
        return try export(context)
    }

    private static func resolved(_ name: String) -> Int32? {
        let number = seccomp_syscall_resolve_name(name)
        return number >= 0 ? number : nil
    }

    private static func export(_ context: scmp_filter_ctx) throws(ShellError) -> [UInt8] {
        let file = try MemoryFile(name: "charter-seccomp")
        let rc = seccomp_export_bpf(context, file.descriptor)
        guard rc == 0 else {
            throw ShellError(.sandboxUnavailable, "libseccomp could not export the filter (errno \(-rc))")
        }
        return try file.contents()
    }
}
