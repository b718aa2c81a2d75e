import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The file system a sandboxed step sees: a read-only, synthesized root that holds the system's
/// programs and libraries, a minimal `/etc` written for the step, private `/tmp`, `/proc` and
/// `/dev`, and the run's workspace at ``workspace``. Nothing else of the host exists inside: not
/// the data directory, the credentials, home directories, host keys or the controller's files.
public enum SandboxLayout {
    /// Where the run's workspace appears inside, as the working directory and `HOME`.
    public static let workspace = "/workspace"
    /// Where Charter's own files for the step (the egress socket and bridge) appear.
    public static let runDirectory = "/run/charter"
    /// The step user's name in the synthesized `/etc/passwd`.
    public static let userName = "step"

    /// Program and library directories bound read-only (or recreated as the symbolic links they
    /// are on a merged-`/usr` host) when the host has them.
    public static let systemPaths = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]

    /// Host files under `/etc` that steps need and that hold nothing secret, bound read-only when
    /// present: CA certificates (TLS clients), Debian's alternatives (`awk`, `editor`… are links
    /// through it), the dynamic loader's cache, the time zone, OpenSSL's configuration.
    ///
    /// Not `/etc/ssl` as a whole: `/etc/ssl/private` holds the host's TLS keys.
    public static let etcPaths = [
        "/etc/ssl/certs", "/etc/ssl/openssl.cnf", "/etc/pki/tls/certs",
        "/etc/pki/ca-trust/extracted", "/etc/alternatives", "/etc/ld.so.cache", "/etc/localtime",
    ]

    /// The default mounts for a host, with `extra` toolchain paths the operator added.
    public static func mounts(extra: [String] = []) -> [SandboxMount] {
        var out: [SandboxMount] = []
        for path in systemPaths + etcPaths + extra {
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            if info.st_mode & S_IFMT == S_IFLNK, systemPaths.contains(path), let target = readLink(path) {
                out.append(SandboxMount(path: path, kind: .symlink(target)))
            } else {
                out.append(SandboxMount(path: path, kind: .readOnly))
            }
        }
        return out
    }

    /// The paths of the files written for each step (``etcFiles(uid:gid:)``), which run rules may omit.
    public static let synthesizedFiles = etcFiles(uid: 0, gid: 0).map(\.path)

    /// The synthesized `/etc` files: the step user and group, loopback names, a resolver with no
    /// server (the sandbox has no DNS: connections go through the egress proxy by name), and the
    /// name-service order that makes the C library read them.
    static func etcFiles(uid: UInt32, gid: UInt32) -> [(path: String, text: String)] {
        [
            (
                "/etc/passwd",
                "root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n"
                    + "\(userName):x:\(uid):\(gid):Charter step:\(workspace):/bin/sh\n"
                    + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
            ),
            ("/etc/group", "root:x:0:\n\(userName):x:\(gid):\nnogroup:x:65534:\n"),
            ("/etc/hosts", "127.0.0.1\tlocalhost charter-step\n::1\tlocalhost ip6-localhost ip6-loopback\n"),
            ("/etc/resolv.conf", "# no name server: names are resolved by Charter's egress proxy\noptions ndots:0\n"),
            ("/etc/nsswitch.conf", "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n"),
        ]
    }

    private static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
