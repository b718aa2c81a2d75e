import CharterShell
import CharterTestSupport
import Foundation
import Testing

/// The hostile corpus: each test is an escape attempt run as a real step in a real bubblewrap
/// sandbox, asserting the safe outcome. CI runs as root with user namespaces, so every test here
/// runs there; elsewhere a missing bubblewrap skips them with the reason.
@Suite("Sandbox: escape attempts", .enabled(if: bubblewrapWorks, "bubblewrap does not work on this machine"))
struct SandboxEscapeTests {
    // MARK: The environment reaches only the sandboxed process

    @Test(.enabled(if: compilerWorks, "no C compiler here to build the preload library"))
    func aPreloadLibraryInTheStepEnvironmentNeverLoadsOnTheHost() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        // A library that, when loaded, writes a marker at a host path the sandbox cannot see: if
        // bubblewrap (which runs on the host) loaded it, the marker appears.
        let marker = scratch.root.appendingPathComponent("preloaded-on-host").path
        let source = scratch.workspace.appendingPathComponent("evil.c")
        try """
        #include <fcntl.h>
        #include <stdio.h>
        #include <unistd.h>
        __attribute__((constructor)) static void run(void) {
            int fd = open("\(marker)", O_WRONLY | O_CREAT, 0644);
            if (fd >= 0) close(fd);
            int inside = open("/workspace/loaded-inside", O_WRONLY | O_CREAT, 0644);
            if (inside >= 0) close(inside);
            fprintf(stderr, "loaded as euid %d\\n", (int)geteuid());
        }
        """.write(to: source, atomically: true, encoding: .utf8)
        let library = scratch.workspace.appendingPathComponent("evil.so")
        _ = try ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/cc"), ["-shared", "-fPIC", "-o", library.path, source.path])
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: library.path)
        let (result, _) = try await scratch.sandboxed(
            "true", environment: ["LD_PRELOAD": "/workspace/evil.so", "LD_LIBRARY_PATH": "/workspace"])
        #expect(result.succeeded)
        #expect(!FileManager.default.fileExists(atPath: marker), "the library ran on the host")
        // Not even inside the sandbox does it run while anything is still root (setpriv, before the
        // drop): only the step's own processes, as the step user, load it.
        let loads = try scratch.stderr(result).split(separator: "\n").filter { $0.hasPrefix("loaded as euid") }
        #expect(!loads.isEmpty)
        #expect(loads.allSatisfy { !$0.hasSuffix(" 0") }, "\(loads)")
        #expect(
            FileManager.default.fileExists(atPath: scratch.workspace.appendingPathComponent("loaded-inside").path),
            "inside the sandbox the step's own LD_PRELOAD applies, as the step asked")
    }

    @Test func stepValuesNeverShowInTheHostsProcessList() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let runner = makeRunner()
        let secret = "s3cret-\(UUID().uuidString)"
        let request = scratch.request(
            "echo ready; sleep 1000", sandbox: .required, environment: ["API_TOKEN": secret])
        let task = Task { try await runner.run(request) }
        _ = try await scratch.waitForOutput("ready")
        let leader = try #require(sandboxLeader(of: scratch.workspace))
        let cmdline = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(leader)/cmdline"))
        let environ = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(leader)/environ"))
        task.cancel()
        _ = try await task.value
        let args = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        #expect(Array(args.dropFirst().prefix(3)) == ["--args", "3", "--"], "options travel in an in-memory file")
        #expect(
            Array(args.suffix(3)) == [
                "/bin/sh", "-c", ". /run/charter/environment && exec /bin/sh /run/charter/step.sh",
            ],
            "so do the script and its environment")
        #expect(!args.contains { $0.contains("sleep") || $0.contains("workspace") })
        #expect(environ.isEmpty, "bubblewrap itself runs with an empty environment")
        #expect(!String(decoding: cmdline + environ, as: UTF8.self).contains(secret))
    }

    @Test func theControllersEnvironmentDoesNotCross() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let runner = makeRunner(environment: [
            "PATH": "/root/.local/bin:/usr/bin", "OPENAI_API_KEY": "sk-controller", "LANG": "C.UTF-8",
            "CHARTER_WEBHOOK_SECRET": "hook",
        ])
        let (_, lines) = try await scratch.sandboxed("env | sort", runner: runner)
        #expect(!lines.contains { $0.contains("sk-controller") || $0.contains("hook") })
        #expect(lines.contains("LANG=C.UTF-8"))
        #expect(lines.contains("HOME=/workspace"))
        #expect(lines.contains("PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"))
    }

    // MARK: A synthesized root

    @Test func hostSecretsUnderEtcAndHomeAreAbsent() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (_, lines) = try await scratch.sandboxed(
            """
            for f in /etc/shadow /etc/gshadow /etc/ssh /etc/ssl/private /etc/charter /root /home /var/lib /opt /srv \
                /etc/sudoers /etc/machine-id '\(scratch.root.path)'; do
              if [ -e "$f" ]; then echo "present $f"; fi
            done
            ls -A /etc | tr '\\n' ' '; echo
            cat /etc/passwd
            """)
        #expect(!lines.contains { $0.hasPrefix("present ") }, "\(lines)")
        let etc = Set(lines[0].split(separator: " ").map(String.init))
        #expect(
            etc.isSubset(of: [
                "passwd", "group", "hosts", "resolv.conf", "nsswitch.conf", "ssl", "pki", "alternatives", "ld.so.cache",
                "localtime",
            ]))
        #expect(etc.isSuperset(of: ["passwd", "group", "hosts", "resolv.conf"]))
        #expect(lines.contains { $0.hasPrefix("step:x:") && $0.hasSuffix(":/workspace:/bin/sh") })
    }

    @Test func theRootIsReadOnlyAndOnlyTheWorkspaceOutlivesTheStep() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (_, lines) = try await scratch.sandboxed(
            """
            for p in /etc/passwd /etc/new /new-top /usr/new /run/new; do
              (echo x > "$p") 2>/dev/null && echo "wrote $p"
            done
            mkdir /newdir 2>/dev/null && echo "made /newdir"
            echo kept > /workspace/kept && echo wrote-workspace
            echo gone > /tmp/gone && echo wrote-tmp
            """)
        #expect(lines.filter { $0.hasPrefix("wrote /") || $0.hasPrefix("made ") }.isEmpty, "\(lines)")
        #expect(lines.contains("wrote-workspace") && lines.contains("wrote-tmp"))
        #expect(FileManager.default.fileExists(atPath: scratch.workspace.appendingPathComponent("kept").path))
    }

    @Test func aSymlinkInTheWorkspaceResolvesInsideTheSandbox() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let outside = scratch.root.appendingPathComponent("outside-secret")
        try "host secret".write(to: outside, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: scratch.workspace.appendingPathComponent("link").path, withDestinationPath: outside.path)
        try FileManager.default.createSymbolicLink(
            atPath: scratch.workspace.appendingPathComponent("up").path, withDestinationPath: "../")
        let (_, lines) = try await scratch.sandboxed(
            "cat link 2>/dev/null || echo link-dangles; ls up/ | tr '\\n' ' '; echo; cat ../../outside-secret 2>/dev/null || echo no-parent"
        )
        #expect(lines[0] == "link-dangles")
        #expect(!lines[1].contains("outside-secret") && !lines[1].contains("outputs"), "`..` of /workspace is /")
        #expect(lines[2] == "no-parent")
    }

    // MARK: No privileges

    @Test func theStepIsAnUnprivilegedUserWithNoCapabilitiesUnderSeccomp() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (_, lines) = try await scratch.sandboxed(
            "id -u; id -un; grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status")
        let uid = try #require(UInt32(lines[0]))
        #expect(uid != 0)
        #expect(uid == (geteuid() == 0 ? 65534 : SandboxIdentity.namespacedID))
        #expect(lines[1] == "step")
        for cap in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
            #expect(lines.contains("\(cap):\t0000000000000000"), "\(cap) in \(lines)")
        }
        #expect(lines.contains("NoNewPrivs:\t1"))
        #expect(lines.contains("Seccomp:\t2"))
    }

    @Test(.enabled(if: geteuid() == 0, "only a root controller hands the workspace to another user"))
    func aRootControllersStepWritesAsTheUnprivilegedUser() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        _ = try await scratch.sandboxed("echo x > made-by-step")
        let owner =
            try FileManager.default.attributesOfItem(
                atPath: scratch.workspace.appendingPathComponent("made-by-step").path)[.ownerAccountID] as? Int
        #expect(owner == 65534)
    }

    @Test func setuidProgramsGiveNothingBack() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (_, lines) = try await scratch.sandboxed(
            """
            for p in /usr/bin/mount /usr/bin/su /usr/bin/passwd /usr/bin/newgrp; do
              if [ -u "$p" ]; then echo "setuid $p"; fi
            done
            mkdir -p /tmp/m
            mount -t tmpfs none /tmp/m 2>/dev/null && echo mounted || echo mount-refused
            su -c 'id -u' root </dev/null 2>/dev/null && echo su-worked || echo su-refused
            """)
        #expect(lines.contains("mount-refused"))
        #expect(lines.contains("su-refused"))
        #expect(!lines.contains("mounted") && !lines.contains("su-worked"))
    }

    @Test func noNewNamespacesMountsKeyringsTracingOrKernelInterfaces() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        // perl is part of Debian's essential set, so it is inside the sandbox; its `syscall` makes
        // the raw calls (x86-64 numbers) and `$!` names the error.
        let (_, lines) = try await scratch.sandboxed(
            """
            unshare -U true 2>/dev/null && echo userns-allowed || echo userns-refused
            unshare -n true 2>/dev/null && echo netns-allowed || echo netns-refused
            [ "$(uname -m)" = x86_64 ] || { echo not-x86_64; exit 0; }
            perl -e '
              my %calls = (ptrace => [101, 0, 1, 0, 0], keyctl => [250, 0, -3, 0], add_key => [248, 0, 0, 0, 0, 0],
                           bpf => [321, 0, 0, 0], perf_event_open => [298, 0, 0, 0, 0, 0], mount => [165, 0, 0, 0, 0, 0],
                           userfaultfd => [323, 0], io_uring_setup => [425, 1, 0], setns => [308, 0, 0],
                           process_vm_readv => [310, 1, 0, 0, 0, 0, 0], kexec_load => [246, 0, 0, 0, 0],
                           init_module => [175, 0, 0, 0], syslog => [103, 3, 0, 0], clone3 => [435, 0, 0]);
              for my $name (sort keys %calls) {
                my ($nr, @args) = @{$calls{$name}};
                $! = 0;
                my $r = syscall($nr, @args);
                printf "%s %s\\n", $name, $r == -1 ? ($!{EPERM} ? "EPERM" : $!{ENOSYS} ? "ENOSYS" : "errno=" . ($!+0)) : "returned";
              }
              use Socket;
              for my $family (17, 40, 38, 31) {   # AF_PACKET, AF_VSOCK, AF_ALG, AF_BLUETOOTH
                socket(my $s, $family, SOCK_RAW, 0) and print "family $family allowed\\n" or printf "family %d %s\\n", $family, $!{EAFNOSUPPORT} ? "EAFNOSUPPORT" : "errno=" . ($!+0);
              }
              open(my $null, "<", "/dev/null");
              my $char = "x";
              ioctl($null, 0x5412, $char) or printf "TIOCSTI %s\\n", $!{EPERM} ? "EPERM" : "errno=" . ($!+0);
            '
            """)
        #expect(lines.contains("userns-refused"))
        #expect(lines.contains("netns-refused"))
        guard !lines.contains("not-x86_64") else { return }
        for name in [
            "ptrace", "keyctl", "add_key", "bpf", "perf_event_open", "mount", "userfaultfd", "io_uring_setup", "setns",
            "process_vm_readv", "kexec_load", "init_module", "syslog",
        ] {
            #expect(lines.contains("\(name) EPERM"), "\(name): \(lines)")
        }
        #expect(lines.contains("clone3 ENOSYS"), "clone3 falls back to clone, whose flags the filter reads")
        for family in [17, 40, 38, 31] { #expect(lines.contains("family \(family) EAFNOSUPPORT"), "\(lines)") }
        #expect(lines.contains("TIOCSTI EPERM"))
    }

    @Test func otherProcessesAreInvisibleAndProcGivesNoWayOut() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (_, lines) = try await scratch.sandboxed(
            """
            ls /proc | grep -c '^[0-9][0-9]*$'
            ls /proc/self/root/ | tr '\\n' ' '; echo
            (echo 1 > /proc/sys/kernel/sysrq) 2>/dev/null && echo sysctl-written || echo sysctl-refused
            cat /proc/1/environ >/dev/null 2>&1 && echo init-environ-read || echo init-environ-refused
            ls /sys 2>/dev/null | wc -l
            """)
        let pids = try #require(Int(lines[0]))
        #expect(pids < 10, "only the sandbox's own processes: \(pids)")
        #expect(!lines[1].contains("root") && lines[1].contains("workspace"), "/proc/self/root is the sandbox root")
        #expect(lines.contains("sysctl-refused"))
        #expect(lines[4] == "0", "/sys is not mounted")
    }

    // MARK: Network

    @Test func withoutAGrantThereIsNoNetworkButLoopback() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        // A server on the host's loopback: the controller's own ports are the same kind of thing.
        let port = try LoopbackServer.freePort()
        let server = try LoopbackServer(
            "/usr/bin/python3", ["-m", "http.server", "--bind", "127.0.0.1", String(port)], port: port,
            log: scratch.root.appendingPathComponent("http.log"))
        defer { server.stop() }
        try await server.waitUntilListening()
        let (_, lines) = try await scratch.sandboxed(
            """
            perl -MIO::Socket::INET -e '
              for my $to ("127.0.0.1:\(server.port)", "169.254.169.254:80", "10.0.0.1:80", "1.1.1.1:443") {
                my $s = IO::Socket::INET->new(PeerAddr => $to, Timeout => 5);
                print $s ? "connected $to\\n" : "refused $to\\n";
              }'
            getent hosts example.com >/dev/null && echo resolved || echo no-dns
            ip -o link | awk '{print $2}' | tr '\\n' ' '; echo
            """)
        #expect(lines.contains("refused 127.0.0.1:\(server.port)"), "the host's loopback is not the sandbox's")
        #expect(lines.contains("refused 169.254.169.254:80"))
        #expect(lines.contains("refused 10.0.0.1:80"))
        #expect(lines.contains("refused 1.1.1.1:443"))
        #expect(lines.contains("no-dns"))
        #expect(lines.contains("lo: "))
    }

    // MARK: Masks and omitted mounts

    @Test func maskedPathsAreUnreadableAndOmittedMountsAbsent() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let fm = FileManager.default
        try fm.createDirectory(
            at: scratch.workspace.appendingPathComponent(".ssh"), withIntermediateDirectories: true)
        try "key".write(
            to: scratch.workspace.appendingPathComponent(".ssh/id_ed25519"), atomically: true, encoding: .utf8)
        try "TOKEN=1".write(to: scratch.workspace.appendingPathComponent(".env"), atomically: true, encoding: .utf8)
        try "fine".write(to: scratch.workspace.appendingPathComponent("README"), atomically: true, encoding: .utf8)
        let access = SandboxAccess(
            omittedMounts: ["/etc/alternatives", "/etc/hosts"],
            masks: [
                SandboxMask(path: "/workspace/.ssh", isDirectory: true),
                SandboxMask(path: "/workspace/.env", isDirectory: false),
            ])
        let (_, lines) = try await scratch.sandboxed(
            """
            cat .env 2>/dev/null || echo env-masked
            ls .ssh 2>/dev/null || echo ssh-masked
            cat .ssh/id_ed25519 2>/dev/null || echo key-masked
            rm -f .env 2>/dev/null; [ -e .env ] && echo env-still-there
            chmod 644 .env 2>/dev/null && echo chmod-worked
            cat README; echo
            [ -e /etc/alternatives ] && echo alternatives-present || echo alternatives-absent
            [ -e /etc/hosts ] && echo hosts-present || echo hosts-absent
            """, access: access)
        #expect(
            lines.prefix(3) == ["env-masked", "ssh-masked", "key-masked"], "\(lines)")
        #expect(lines.contains("env-still-there"), "a mask cannot be removed")
        #expect(!lines.contains("chmod-worked"))
        #expect(lines.contains("fine"))
        #expect(lines.contains("alternatives-absent") && lines.contains("hosts-absent"))
        #expect(try String(contentsOf: scratch.workspace.appendingPathComponent(".env"), encoding: .utf8) == "TOKEN=1")
    }
}

/// Whether a C compiler works here (the preload test builds a real shared library).
let compilerWorks: Bool = FileManager.default.isExecutableFile(atPath: "/usr/bin/cc")
