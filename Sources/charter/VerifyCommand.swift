import ArgumentParser
import CharterControl
import CharterModel
import CharterStatus
import CharterStore
import Foundation

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the status branch: event hash chain, blob hashes, vote signatures, proposals.",
        discussion: """
            Reads the status branch of the repository and checks, without trusting it:
              - events: every events file reads, and the hash chain runs unbroken across all of \
            them (the first broken sequence number and its file are named); each event also \
            matches the store's event with the same number;
              - blobs: each file under blobs/ hashes to its name;
              - votes: each vote file's SSH signature verifies against the voter's keys in the \
            applied state (the store), for the change set of its proposal;
              - proposals: each proposals/<id>/proposal.json parses;
              - layout: no entry is one Charter never writes (a name git refuses such as .. or .git, \
            a symlink, a misplaced file under votes/, proposals/, events/ or blobs/).
            An events file that cannot be read is named with the events its name says it held, and \
            whether those are in another file too (the controller writes them again).
            Exits 0 when everything passes, 1 otherwise.

            Examples:
              charter verify
              charter verify ./org -o json
              charter verify ssh://git@host/org.git --ssh-key ~/.ssh/charter
            """)

    @OptionGroup var source: SourceOptions
    @Option(
        help: ArgumentHelp(
            "The status branch (default: the applied Organization's, else charter/status).", valueName: "BRANCH"))
    var statusBranch: String?
    @Option(name: [.customShort("o"), .long], help: "Output format: text or json.") var output: OutputFormat = .text
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if source.rev != nil { throw ValidationError("verify reads the status branch; use --status-branch, not --rev") }
    }

    func run() async throws {
        let result = try await CLIErrors.run {
            let request = try source.request(allowWorkingTree: false)
            let store = try StateStore(directory: global.dataDirectory)
            let actual = try store.actualState()
            let branch = statusBranch ?? actual.organization?.statusBranch ?? StatusPublisher.defaultBranch
            return try await StatusVerifier.verify(
                location: request.location ?? ".", branch: branch, dataDirectory: global.dataDirectory,
                auth: request.auth, actual: actual, storeEvents: try store.events())
        }
        switch output {
        case .json: print(PrettyJSON.string(result.value), terminator: "")
        case .text: print(Terminal.sanitize(Self.report(result)), terminator: "")
        }
        if !result.passed { throw ExitCode(1) }
    }

    static func report(_ r: StatusVerification) -> String {
        guard let tip = r.tip else {
            return "FAIL  no status branch \(r.branch); run `charter reconcile --once` to write it\n"
        }
        func mark(_ ok: Bool) -> String { ok ? "ok  " : "FAIL" }
        var s = "Status branch \(r.branch) at \(tip.short)\n"
        let eventsOK = r.unreadableEventFiles.isEmpty && r.chainProblem == nil && r.storeMismatch == nil
        s += "\(mark(eventsOK))  events: \(r.eventCount) in \(r.eventFileCount) file\(r.eventFileCount == 1 ? "" : "s")"
        s += eventsOK ? ", hash chain verifies" : ""
        s += r.unpublishedEventCount > 0 ? " (\(r.unpublishedEventCount) more in the store, not written back yet)" : ""
        s += "\n"
        for e in r.unreadableEventFiles {
            s += "      unreadable: \(e)"
            if let range = EventFile.sequenceRange(ofPath: e.path) {
                let events =
                    range.count == 1 ? "event \(range.lowerBound)" : "events \(range.lowerBound)…\(range.upperBound)"
                if let copies = r.eventFileCopies[e.path] {
                    s +=
                        "\n        its \(events) are also in \(copies.joined(separator: ", ")), so the chain does not depend on it"
                } else {
                    s += "\n        its \(events) are in no other file on the branch"
                }
            } else {
                s += "\n        its name does not say which events it held"
            }
            s += "\n"
        }
        if let p = r.chainProblem {
            s += "      chain broken at seq \(p.sequence)\(p.path.map { " in \($0)" } ?? ""): \(p.message)\n"
        }
        if let p = r.storeMismatch {
            s += "      seq \(p.sequence)\(p.path.map { " in \($0)" } ?? ""): \(p.message)\n"
        }
        s += "\(mark(r.blobProblems.isEmpty))  blobs: \(r.blobCount), \(r.blobProblems.count) bad\n"
        for p in r.blobProblems { s += "      \(p)\n" }
        s += "\(mark(r.refusedVotes.isEmpty))  votes: \(r.voteCount), \(r.refusedVotes.count) refused\n"
        for p in r.refusedVotes { s += "      refused \(p.path): \(p.reason)\n" }
        s += "\(mark(r.proposalProblems.isEmpty))  proposals: \(r.proposalCount), \(r.proposalProblems.count) bad\n"
        for p in r.proposalProblems { s += "      \(p)\n" }
        s +=
            "\(mark(r.foreignEntries.isEmpty))  layout: \(r.foreignEntries.count) entr\(r.foreignEntries.count == 1 ? "y" : "ies") Charter does not write\n"
        for p in r.foreignEntries { s += "      \(p)\n" }
        s += r.passed ? "Verified.\n" : "Verification FAILED.\n"
        return s
    }
}
