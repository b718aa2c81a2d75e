import ArgumentParser
import CharterControl
import Foundation

@main
struct Charter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "charter",
        abstract: "Run a virtual company of LLM agents from a git repository.",
        discussion: """
            The organization — teams, people, roles, boards, policies, templates, routines and \
            capacity sources — is YAML in git. Charter validates it, shows what would change, and \
            applies what is approved.

            Examples:
              charter validate example-repo
              charter plan ./org --detailed-exitcode
              charter apply --bootstrap ./org --rev main
              charter get teams -o yaml
            """,
        version: CharterVersion.current,
        subcommands: [
            ValidateCommand.self, PlanCommand.self, ApplyCommand.self, ReconcileCommand.self, ControllerCommand.self,
            StatusCommand.self, ProposalsCommand.self,
            ShowCommand.self, VoteCommand.self, RunCommand.self, RunsCommand.self, LogsCommand.self, CancelCommand.self,
            LogCommand.self, VerifyCommand.self, RebuildCommand.self, CostCommand.self,
            RevertCommand.self,
            GetCommand.self,
            SchemaCommand.self, ScheduleCommand.self, VersionCommand.self,
        ])
}

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .customLong("data-dir"),
        help: ArgumentHelp(
            "Directory of the controller's state (SQLite, mirrors).",
            discussion: "Default: $CHARTER_DATA_DIR, else $XDG_DATA_HOME/charter, else ~/.local/share/charter.",
            valueName: "DIR"))
    var dataDir: String?

    var dataDirectory: URL {
        dataDir.map { URL(fileURLWithPath: $0) } ?? DataDirectory.defaultURL()
    }
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print Charter's version.")
    @OptionGroup var global: GlobalOptions

    func run() {
        print("charter \(CharterVersion.current)")
    }
}
