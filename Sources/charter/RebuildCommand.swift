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
            charter.sqlite.replaced-TIME); stop the controller first.

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
        let liveFile = data.appendingPathComponent(StateStore.fileName)
        let (report, live) = try await CLIErrors.run {
            let request = try source.request(allowWorkingTree: false)
            let hasLive = FileManager.default.fileExists(atPath: liveFile.path)
            let liveStore = hasLive ? try StateStore(directory: data) : nil
            let actual = try liveStore?.actualState()
            let branch = statusBranch ?? actual?.organization?.statusBranch ?? StatusPublisher.defaultBranch
            let stamp = Int(Date().timeIntervalSince1970)
            let target =
                into.map { URL(fileURLWithPath: $0) } ?? data.appendingPathComponent("rebuild-\(stamp)-\(getpid())")
            if FileManager.default.fileExists(atPath: target.appendingPathComponent(StateStore.fileName).path) {
                throw ValidationError("\(target.path) already holds a store; choose another --into")
            }
            let report = try await StatusRebuilder.rebuild(
                location: request.location ?? ".", branch: branch, dataDirectory: data, auth: request.auth,
                into: target)
            return (report, try liveStore?.stateHash())
        }
        let equal = live.map { $0 == report.stateHash }
        switch output {
        case .json:
            let value: Value = [
                "branch": .string(report.branch), "tip": .string(report.tip.hex),
                "directory": .string(report.directory.path), "resources": .int(report.summary.resources),
                "applies": .int(report.summary.applies), "events": .int(report.summary.events),
                "proposals": .int(report.summary.proposals), "stateHash": .string(report.stateHash),
                "liveStateHash": live.map(Value.string) ?? .null, "equal": equal.map(Value.bool) ?? .null,
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
            if let live {
                s += "Live store   \(live) (\(equal == true ? "equal" : "DIFFERENT"))\n"
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
        if replace {
            // No pass may write the store while it is swapped.
            let lock = try await CLIErrors.run {
                try await PassLock.acquire(dataDirectory: data, holder: "charter rebuild --replace") {
                    Terminal.printError("note: waiting for the pass lock, held by \($0)")
                }
            }
            defer { lock.release() }
            try await CLIErrors.run { try Self.swap(rebuilt: report.directory, into: data) }
            print("Replaced the live store with the rebuilt one.")
        }
    }

    /// Moves the live database files aside and the rebuilt ones into the data directory.
    static func swap(rebuilt: URL, into data: URL) throws {
        let fm = FileManager.default
        let stamp = Int(Date().timeIntervalSince1970)
        for suffix in ["", "-wal", "-shm"] {
            let live = data.appendingPathComponent(StateStore.fileName + suffix)
            if fm.fileExists(atPath: live.path) {
                try fm.moveItem(
                    at: live, to: data.appendingPathComponent("\(StateStore.fileName).replaced-\(stamp)\(suffix)"))
            }
        }
        for suffix in ["", "-wal", "-shm"] {
            let new = rebuilt.appendingPathComponent(StateStore.fileName + suffix)
            if fm.fileExists(atPath: new.path) {
                try fm.moveItem(at: new, to: data.appendingPathComponent(StateStore.fileName + suffix))
            }
        }
        try? fm.removeItem(at: rebuilt)
    }
}
