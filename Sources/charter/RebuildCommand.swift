import ArgumentParser
import CharterControl
import CharterModel
import CharterStatus
import CharterStore
import Foundation

struct RebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Recreate the SQLite index from the status branch alone, and compare it with the live one.",
        discussion: """
            SQLite in the data directory is an index; the status branch is the record. `rebuild` reads \
            the branch's event chain (verified first), replays every apply from the change sets in \
            blobs/ that its events name, and restores proposals with their votes, into a new store. \
            An events file that cannot be read is skipped, with a note, when every event its name \
            claims is in another file (the controller writes them again); otherwise the rebuild stops \
            and names the file and the events only it held. \
            It then prints the rebuilt store's state hash next to the live store's: they must be \
            equal. Exits 0 when they are (or when there is no live store), 1 when they differ.

            --replace swaps the rebuilt store in for the live one (kept beside it as \
            charter.sqlite.replaced-TIME, with its -wal and -shm); it waits for the pass lock, so \
            a running controller's pass ends first. A live store that cannot be read (garbage, \
            truncated, empty, a stale -wal, a directory in its place) is reported as damaged; \
            without --replace the command then exits 1, with --replace the damaged files are kept \
            as charter.sqlite.damaged-TIME and the rebuilt store takes their place. An interrupted \
            --replace leaves the old store or the new one, and running it again finishes the job.

            Examples:
              charter rebuild
              charter rebuild ./org --into /tmp/rebuilt
              charter rebuild git://host/org.git --replace
            """)

    @OptionGroup var source: SourceOptions
    @Option(
        help: ArgumentHelp(
            "The status branch (default: the applied Organization's, else charter/status).", valueName: "BRANCH"))
    var statusBranch: String?
    @Option(help: ArgumentHelp("Where to build the new store (default: a new directory in the data directory)."))
    var into: String?
    @Flag(help: "Replace the live store with the rebuilt one.") var replace = false
    @Option(name: [.customShort("o"), .long], help: "Output format: text or json.") var output: OutputFormat = .text
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if source.rev != nil {
            throw ValidationError("rebuild reads the status branch; use --status-branch, not --rev")
        }
        if replace && into != nil { throw ValidationError("--replace builds beside the live store; drop --into") }
    }

    func run() async throws {
        let data = global.dataDirectory
        // With --replace, no pass may write the store from the moment it is read until it is
        // swapped: what is compared is what is replaced.
        let lock =
            replace
            ? try await CLIErrors.run {
                try await PassLock.acquire(dataDirectory: data, holder: "charter rebuild --replace") {
                    Terminal.printError("note: waiting for the pass lock, held by \($0)")
                }
            } : nil
        defer { lock?.release() }
        let (report, live) = try await CLIErrors.run {
            let request = try source.request(allowWorkingTree: false)
            let live = LiveStore.inspect(data, checkpoint: replace)
            let branch = statusBranch ?? live.statusBranch ?? StatusPublisher.defaultBranch
            let stamp = Int(Date().timeIntervalSince1970)
            let target =
                into.map { URL(fileURLWithPath: $0) } ?? data.appendingPathComponent("rebuild-\(stamp)-\(getpid())")
            // A stale -wal beside a new database would be replayed into it.
            for suffix in ["", "-wal", "-shm"]
            where LiveStore.exists(target.appendingPathComponent(StateStore.fileName + suffix)) {
                throw ValidationError("\(target.path) already holds a store; choose another --into")
            }
            let report = try await StatusRebuilder.rebuild(
                location: request.location ?? ".", branch: branch, dataDirectory: data, auth: request.auth,
                into: target)
            return (report, live)
        }
        let equal = live.hash.map { $0 == report.stateHash }
        switch output {
        case .json:
            let value: Value = [
                "branch": .string(report.branch), "tip": .string(report.tip.hex),
                "directory": .string(report.directory.path), "resources": .int(report.summary.resources),
                "applies": .int(report.summary.applies), "events": .int(report.summary.events),
                "proposals": .int(report.summary.proposals), "stateHash": .string(report.stateHash),
                "liveStateHash": live.hash.map(Value.string) ?? .null, "equal": equal.map(Value.bool) ?? .null,
                "liveDamage": live.damage.map(Value.string) ?? .null,
                "skippedEventFiles": .array(
                    report.skippedEventFiles.map { ["path": .string($0.path), "reason": .string($0.reason)] }),
                "ignoredEntries": .array(
                    report.ignoredEntries.map { ["path": .string($0.path), "reason": .string($0.reason)] }),
            ]
            print(PrettyJSON.string(value), terminator: "")
        case .text:
            var s = "Rebuilt from \(report.branch) at \(report.tip.short): \(report.summary.resources) resources, "
            s += "\(report.summary.applies) applies, \(report.summary.events) events, "
            s +=
                "\(report.summary.proposals) proposal\(report.summary.proposals == 1 ? "" : "s")\n  into \(report.directory.path)\n"
            s += "State hash   \(report.stateHash)\n"
            if let hash = live.hash {
                s += "Live store   \(hash) (\(equal == true ? "equal" : "DIFFERENT"))\n"
            } else if let damage = live.damage {
                s += "Live store   DAMAGED: \(damage)\n"
            } else {
                s += "Live store   none in \(data.path)\n"
            }
            print(Terminal.sanitize(s), terminator: "")
            for p in report.skippedEventFiles {
                Terminal.printError("note: skipped the damaged events file \(p.path): \(p.reason)")
            }
            for p in report.ignoredEntries {
                Terminal.printError("note: ignored \(p.path), which Charter never writes: \(p.reason)")
            }
        }
        if equal == false {
            Terminal.printError(
                "error: the rebuilt state differs from the live store; the live store holds something the status branch does not (run `charter reconcile --once` to write it back, then rebuild again)"
            )
            throw ExitCode(1)
        }
        if live.damage != nil && !replace {
            Terminal.printError(
                "error: the live store in \(data.path) is damaged; `charter rebuild --replace` sets it aside and puts the rebuilt one in its place"
            )
            throw ExitCode(1)
        }
        if replace {
            let label = live.damage == nil ? "replaced" : "damaged"
            let aside = try await CLIErrors.run { try Self.swap(rebuilt: report.directory, into: data, label: label) }
            for path in aside {
                print(Terminal.sanitize("Set aside \(path.path)"))
            }
            print(
                live.damage == nil
                    ? "Replaced the live store with the rebuilt one."
                    : "Replaced the damaged live store with the rebuilt one; the damaged files are kept for inspection."
            )
        }
    }

    /// Puts the rebuilt store in place of the live one, whatever state the live files are in, and
    /// returns where the live files were set aside (`charter.sqlite.<label>-TIME`, with its
    /// `-wal` and `-shm`).
    ///
    /// Crash-only: each step is one rename or link, in an order after which the next run finds
    /// either the old store or the new complete one, plus the set-aside copies.
    /// 1. The live database file is hard-linked to its set-aside name (a file that is no regular
    ///    file, such as a directory in its place, is renamed): the live path still holds it.
    /// 2. Its `-wal` and `-shm` are renamed aside: a log left beside the new file would be replayed
    ///    into it. A readable store was checkpointed into its file first (``LiveStore/inspect``),
    ///    so the file alone is still the whole old store.
    /// 3. The rebuilt file is renamed over the live path, atomically.
    static func swap(rebuilt: URL, into data: URL, label: String) throws -> [URL] {
        let stamp = "\(Int(Date().timeIntervalSince1970))-\(getpid())"
        func path(_ suffix: String) -> URL { data.appendingPathComponent(StateStore.fileName + suffix) }
        func aside(_ suffix: String) -> URL {
            data.appendingPathComponent("\(StateStore.fileName).\(label)-\(stamp)\(suffix)")
        }
        let new = rebuilt.appendingPathComponent(StateStore.fileName)
        for suffix in ["-wal", "-shm"]
        where LiveStore.exists(rebuilt.appendingPathComponent(StateStore.fileName + suffix)) {
            // The rebuilt store is closed, so SQLite has folded its log into the file; a log still
            // there would be lost by moving the file alone.
            throw SourceError("the rebuilt store in \(rebuilt.path) was not closed cleanly; run the rebuild again")
        }
        var setAside: [URL] = []
        let main = path("")
        if LiveStore.exists(main) {
            if LiveStore.isRegularFile(main), link(main.path, aside("").path) == 0 {
                // Linked: the live path keeps the old file until the rename below replaces it.
            } else {
                try FileManager.default.moveItem(at: main, to: aside(""))
            }
            setAside.append(aside(""))
        }
        FailPoint.hit("rebuild.after-link")
        for suffix in ["-wal", "-shm"] where LiveStore.exists(path(suffix)) {
            try FileManager.default.moveItem(at: path(suffix), to: aside(suffix))
            setAside.append(aside(suffix))
        }
        LiveStore.syncDirectory(data)
        FailPoint.hit("rebuild.before-rename")
        guard rename(new.path, main.path) == 0 else {
            throw SourceError(
                "could not move \(new.path) to \(main.path): \(String(cString: strerror(errno))); the live files are set aside as \(setAside.map(\.path).joined(separator: ", "))"
            )
        }
        LiveStore.syncDirectory(data)
        FailPoint.hit("rebuild.after-rename")
        try? FileManager.default.removeItem(at: rebuilt)
        return setAside
    }
}

/// What `rebuild` finds in the data directory before it rebuilds: no store, a readable one (with
/// its state hash and status branch), or damaged files, with what is wrong.
struct LiveStore {
    /// The readable store's state hash.
    var hash: String?
    /// The readable store's Organization's status branch.
    var statusBranch: String?
    /// What is wrong with the files, when a store is there but cannot be read whole.
    var damage: String?

    /// Reads the store in `data` without changing it — unless `checkpoint`, when a readable store's
    /// log is folded into its file (for `--replace`, which sets the file aside). Never throws: a
    /// store that cannot be read is reported as damage, which `--replace` repairs.
    static func inspect(_ data: URL, checkpoint: Bool) -> LiveStore {
        let main = data.appendingPathComponent(StateStore.fileName)
        let logs = ["-wal", "-shm"].filter { exists(data.appendingPathComponent(StateStore.fileName + $0)) }
        guard exists(main) else {
            // A log without its database would be replayed into whatever database comes next.
            return logs.isEmpty
                ? LiveStore()
                : LiveStore(
                    damage:
                        "\(logs.map { StateStore.fileName + $0 }.joined(separator: " and ")) without \(StateStore.fileName)"
                )
        }
        guard isRegularFile(main) else { return LiveStore(damage: "\(main.path) is not a regular file") }
        // Opening runs migrations; an empty or foreign file must not be turned into a new store.
        guard let handle = FileHandle(forReadingAtPath: main.path) else {
            return LiveStore(damage: "\(main.path) cannot be opened for reading")
        }
        let header = (try? handle.read(upToCount: 16)) ?? nil
        try? handle.close()
        guard let header, header.count == 16 else {
            return LiveStore(damage: "\(main.path) is \(header?.count ?? 0) bytes long, shorter than an SQLite header")
        }
        guard header == Data("SQLite format 3\0".utf8) else {
            return LiveStore(damage: "\(main.path) is not an SQLite database (its header is wrong)")
        }
        do {
            let store = try StateStore(directory: data)
            if let damage = try store.damage() { return LiveStore(damage: damage) }
            let actual = try store.actualState()
            let hash = try store.stateHash()
            if checkpoint { try store.checkpoint() }
            return LiveStore(hash: hash, statusBranch: actual.organization?.statusBranch)
        } catch {
            return LiveStore(damage: "\(error)")
        }
    }

    /// Whether anything is at `url`, a dangling symbolic link included.
    static func exists(_ url: URL) -> Bool {
        var info = stat()
        return lstat(url.path, &info) == 0
    }

    /// Whether `url` is a regular file (not a directory, not a link).
    static func isRegularFile(_ url: URL) -> Bool {
        var info = stat()
        return lstat(url.path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Makes the renames in `directory` durable before the next step relies on them.
    static func syncDirectory(_ directory: URL) {
        let descriptor = open(directory.path, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }
}
