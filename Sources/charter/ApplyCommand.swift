import ArgumentParser
import CharterControl
import CharterModel
import CharterPlan
import CharterStore
import Foundation

struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract:
            "Apply the first revision into an empty state (--bootstrap); later changes are applied once boards approve them.",
        discussion: """
            --bootstrap applies a committed revision into an EMPTY state: there is no board yet to \
            approve it, so it takes this explicit operator action and is recorded as a bootstrap, \
            with who ran it and which commit it was. It refuses a state that is not empty.

            Examples:
              charter apply --bootstrap ./org               # HEAD of the local clone
              charter apply --bootstrap ./org --rev v1.0 --actor ops@example.com
            """)

    @Flag(help: "Apply into an empty state, recorded as a bootstrap.") var bootstrap = false
    @OptionGroup var source: SourceOptions
    @Option(help: ArgumentHelp("Who is applying (default: $CHARTER_ACTOR, else $USER@host).", valueName: "NAME"))
    var actor: String?
    @Flag(name: .customLong("no-color"), help: "Never color the output.") var noColor = false
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard bootstrap else {
            throw ValidationError(
                "`charter apply` only bootstraps an empty state (--bootstrap): every later change is a proposal that `charter reconcile` or the controller applies once the boards approve it"
            )
        }
    }

    func run() async throws {
        let actorName = actor ?? Operations.defaultActor()
        // A bootstrap decides like a pass: never alongside one.
        let lock = try await CLIErrors.run {
            try await PassLock.acquire(dataDirectory: global.dataDirectory, holder: "charter apply --bootstrap") {
                Terminal.printError("note: waiting for the pass lock, held by \($0)")
            }
        }
        defer { lock.release() }
        let (applied, changes) = try await CLIErrors.run {
            let store = try StateStore(directory: global.dataDirectory)
            return try await Operations.bootstrap(
                try source.request(allowWorkingTree: false), store: store, dataDirectory: global.dataDirectory,
                actor: actorName)
        }
        let renderer = PlanRenderer(color: Terminal.useColor(noColor))
        let context = PlanContext(source: applied.source, desiredRevision: applied.revision, actualRevision: nil)
        print(renderer.human(changes, context: context), terminator: "")
        print(
            "\nBootstrap applied: revision \(applied.revision) (\(applied.changeCount) resources) by \(applied.actor), recorded as apply #\(applied.sequence)."
        )
    }
}
