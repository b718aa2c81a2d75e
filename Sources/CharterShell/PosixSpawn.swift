import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension ChildProcess {
    /// Starts `spec` with `posix_spawn` as the leader of a new session (hence of a new process group
    /// whose id is its pid), stdin from `/dev/null` unless the spec gives one, stdout and stderr on the given descriptors, no
    /// other inherited descriptor, default signal dispositions and an empty signal mask.
    ///
    /// `POSIX_SPAWN_SETSID` rather than `POSIX_SPAWN_SETPGROUP`: a new session is also a new process
    /// group, and it detaches the step from the controller's terminal, so a step can neither read the
    /// terminal nor push keystrokes into it (the TIOCSTI attack bubblewrap's `--new-session` guards
    /// against). Doing it here instead of with `--new-session` keeps the sandboxed command in the group
    /// we signal. The two flags cannot be combined: `setpgid` fails for a session leader.
    static func spawn(_ spec: SpawnSpec) throws -> ChildProcess {
        #if os(Linux)
            var actions = posix_spawn_file_actions_t()
            var attributes = posix_spawnattr_t()
        #else
            var actions: posix_spawn_file_actions_t?
            var attributes: posix_spawnattr_t?
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        func check(_ rc: Int32, _ what: String) throws {
            if rc != 0 {
                throw ShellError.system(.spawnFailed, "could not prepare the step process (\(what))", errno: rc)
            }
        }
        if let stdin = spec.stdin {
            try check(posix_spawn_file_actions_adddup2(&actions, stdin, 0), "stdin")
        } else {
            try check(posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0), "stdin")
        }
        try check(posix_spawn_file_actions_adddup2(&actions, spec.stdout, 1), "stdout")
        try check(posix_spawn_file_actions_adddup2(&actions, spec.stderr, 2), "stderr")
        // Extra descriptors go to 3, 4, …; each source is first copied above that range so that
        // placing one cannot overwrite another still to be placed.
        let firstFree = Int32(3 + spec.descriptors.count)
        var copies: [Int32] = []
        defer { for fd in copies { close(fd) } }
        for (index, fd) in spec.descriptors.enumerated() {
            let copy = fcntl(fd, F_DUPFD_CLOEXEC, firstFree)
            guard copy >= 0 else { throw ShellError.system(.spawnFailed, "could not pass a descriptor", errno: errno) }
            copies.append(copy)
            try check(posix_spawn_file_actions_adddup2(&actions, copy, Int32(3 + index)), "descriptor \(3 + index)")
        }
        #if os(Linux)
            // Without this, descriptors another thread opened without O_CLOEXEC (databases, git
            // sockets) would leak into the step.
            if let closeFrom = GlibcExtensions.addCloseFrom {
                try check(closeFrom(&actions, firstFree), "close inherited descriptors")
            }
            guard let addChdir = GlibcExtensions.addChdir else {
                throw ShellError(
                    .spawnFailed, "this C library lacks posix_spawn_file_actions_addchdir_np (glibc 2.29+)")
            }
            try check(addChdir(&actions, spec.directory), "working directory")
            let flags = GlibcExtensions.setSID | Int32(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        #else
            try check(posix_spawn_file_actions_addchdir_np(&actions, spec.directory), "working directory")
            let flags = Int32(
                POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_CLOEXEC_DEFAULT)
        #endif
        try check(posix_spawnattr_setflags(&attributes, Int16(flags)), "flags")
        // The controller's runtime may ignore SIGPIPE or block signals on the spawning thread; the
        // step must start with defaults, or SIGTERM from a cancel could be blocked.
        var all = sigset_t()
        sigfillset(&all)
        try check(posix_spawnattr_setsigdefault(&attributes, &all), "signal defaults")
        var none = sigset_t()
        sigemptyset(&none)
        try check(posix_spawnattr_setsigmask(&attributes, &none), "signal mask")

        let argv = spec.arguments.map { strdup($0) } + [nil]
        let envp = spec.environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let started = ContinuousClock.now
        let rc = posix_spawn(&pid, spec.executable, &actions, &attributes, argv, envp)
        guard rc == 0 else {
            throw ShellError.system(.spawnFailed, "could not start \(spec.executable)", errno: rc)
        }
        return ChildProcess(pid: pid, startedAt: started)
    }
}

#if os(Linux)
    /// glibc's GNU spawn extensions, which Swift's Glibc module does not import (they need
    /// `_GNU_SOURCE`); looked up once by name.
    enum GlibcExtensions {
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        typealias AddChdir =
            @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

        /// `POSIX_SPAWN_SETSID` in glibc and musl.
        static let setSID: Int32 = 0x80

        /// `posix_spawn_file_actions_addclosefrom_np`, glibc 2.34+.
        static let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
            unsafeBitCast($0, to: AddCloseFrom.self)
        }

        /// `posix_spawn_file_actions_addchdir_np`, glibc 2.29+.
        static let addChdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map {
            unsafeBitCast($0, to: AddChdir.self)
        }
    }
#endif
