import ArgumentParser
import CharterControl
import CharterGovernance
import CharterModel
import CharterStore
import Foundation

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what is applied and what is pending, from the controller's state.",
        discussion: """
            The same facts the controller writes to STATUS.md on the status branch.

            Examples:
              charter status
              charter status -o json
            """)

    @Option(name: [.customShort("o"), .long], help: "Output format: text or json.") var output: OutputFormat = .text
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let (applied, pending) = try await CLIErrors.run {
            let store = try StateStore(directory: global.dataDirectory)
            let pending = try store.proposals().filter { $0.state == .open || $0.state == .approved }
            return (try store.appliedRevision(), pending.sorted { $0.id < $1.id })
        }
        switch output {
        case .json:
            let value = try await CLIErrors.run {
                try StatusView.value(store: StateStore(directory: global.dataDirectory))
            }
            print(PrettyJSON.string(value), terminator: "")
        case .text:
            guard let applied else {
                print("Nothing applied yet in \(global.dataDirectory.path): run `charter apply --bootstrap` once.")
                return
            }
            var s =
                "Applied: \(applied.revision.prefix(12)) (\(applied.method.rawValue) by \(applied.actor), apply #\(applied.sequence))\n"
            s += pending.isEmpty ? "Pending: none\n" : "Pending:\n"
            for p in pending { s += "  \(p.id) \(p.state.rawValue): \(p.explanation)\n" }
            print(Terminal.sanitize(s), terminator: "")
        }
    }
}
