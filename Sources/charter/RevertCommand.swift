import ArgumentParser
import CharterControl
import CharterGit
import CharterGovernance
import CharterStore
import Foundation

struct RevertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revert",
        abstract: "Prepare a proposal that undoes an applied proposal, governed like any other.",
        discussion: """
            Writes a commit on top of the watched branch that restores every file the proposal's \
            apply changed, onto a new branch proposals/revert-<id> (under the applied Organization's \
            controller.proposalBranchPrefix), and pushes it. The controller \
            proposes that branch on its next pass: the boards vote on it, and once approved it is \
            merged into the watched branch and applied. Nothing changes until then.

            Refused when the proposal was not applied, or when a file it changed has changed again \
            since (revert that by hand on a proposals/ branch, so nobody's later work is undone).

            Examples:
              charter revert P-0007 --as priya
              charter revert P-0007 git://host/org.git
            """)

    @Argument(help: "The applied proposal to undo, such as P-0007.") var id: String
    @Option(
        name: .customLong("as"),
        help: ArgumentHelp(
            "The Person preparing the revert: its author, who then cannot vote on it.", valueName: "PERSON"))
    var author: String?
    @OptionGroup var source: SourceOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard ProposalID(id) != nil else { throw ValidationError("`\(id)` is not a proposal id such as P-0007") }
        if source.rev != nil { throw ValidationError("revert works on the watched branch; drop --rev") }
    }

    func run() async throws {
        let prepared = try await CLIErrors.run {
            let request = try source.request(allowWorkingTree: false)
            let store = try StateStore(directory: global.dataDirectory)
            let actual = try store.actualState()
            var signature = GitSignature(name: "Charter", email: "charter@localhost")
            if let author {
                guard let person = actual.people[author] else {
                    throw ValidationError("no Person `\(author)` in the applied state")
                }
                signature = GitSignature(
                    name: person.displayName, email: person.email ?? "\(author)@localhost")
            }
            return try await Reverter.prepare(
                ProposalID(id)!, location: request.location ?? ".", watched: actual.organization?.branch ?? "main",
                proposalPrefix: actual.organization?.proposalBranchPrefix ?? ProposalBranches.defaultPrefix,
                store: store, dataDirectory: global.dataDirectory, auth: request.auth, author: signature)
        }
        print(
            Terminal.sanitize(
                "Prepared \(prepared.branch) at \(prepared.commit.short), restoring \(prepared.paths.joined(separator: ", ")).\nThe controller proposes it on its next pass; vote on it like any proposal."
            ))
    }
}
