import ArgumentParser
import CharterControl
import CharterModel
import CharterPlan
import CharterStore
import Foundation

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what would change: the desired state (the repository) minus the applied state.",
        discussion: """
            A dry run: nothing is applied. A local path is read with its uncommitted changes unless \
            --rev is given. With --detailed-exitcode the exit code is 0 for no changes, 2 for \
            changes and 1 for an error, for CI.

            Examples:
              charter plan                                  # current directory, working tree
              charter plan ./org --rev main -o json
              charter plan https://git.example.com/org.git --token-env GIT_TOKEN --detailed-exitcode
            """)

    @OptionGroup var source: SourceOptions
    @Option(name: [.customShort("o"), .long], help: "Output format: text or json (shape: docs/PLAN-JSON.md).")
    var output: OutputFormat = .text
    @Flag(
        name: .customLong("detailed-exitcode"), help: "Exit 0 when there are no changes, 2 when there are, 1 on error.")
    var detailedExitCode = false
    @Flag(name: .customLong("no-color"), help: "Never color the output (also: NO_COLOR=1).") var noColor = false
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let outcome = try await CLIErrors.run {
            let store = try StateStore(directory: global.dataDirectory)
            return try await Operations.plan(try source.request(), store: store, dataDirectory: global.dataDirectory)
        }
        let renderer = PlanRenderer(color: output == .text && Terminal.useColor(noColor))
        switch output {
        case .text: print(renderer.human(outcome.changes, context: outcome.context), terminator: "")
        case .json:
            print(PrettyJSON.string(renderer.jsonValue(outcome.changes, context: outcome.context)), terminator: "")
        }
        if detailedExitCode && !outcome.changes.isEmpty { throw ExitCode(2) }
    }
}
