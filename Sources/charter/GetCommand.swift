import ArgumentParser
import CharterControl
import CharterModel
import CharterStore
import Foundation

struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Show applied resources of a kind, from the actual state.",
        discussion: """
            Examples:
              charter get teams
              charter get person ada -o yaml
              charter get boards -o json
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, yaml, json }

    @Argument(
        help:
            "A kind: Organization, Person, Team, Role, Board, Policy, Template, Routine, CapacitySource, ToolServer, Notification (any case, plural ok)."
    )
    var kind: String
    @Argument(help: "A resource name (default: all of the kind).") var name: String?
    @Option(name: [.customShort("o"), .long], help: "Output format: table, yaml or json.") var output: Format = .table
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if ResourceKind(loose: kind) == nil {
            throw ValidationError(
                "unknown kind `\(kind)`; kinds are \(ResourceKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        let k = ResourceKind(loose: kind)!
        let state = try await CLIErrors.run { try StateStore(directory: global.dataDirectory).actualState() }
        var resources = state.resources.values.filter { $0.id.kind == k }.sorted { $0.id < $1.id }
        if let name {
            resources = resources.filter { $0.id.name == name }
            if resources.isEmpty {
                Terminal.printError("error: \(k.rawValue)/\(name) is not in the applied state")
                throw ExitCode(1)
            }
        }
        switch output {
        case .json:
            let values = resources.map(\.value)
            print(PrettyJSON.string(name == nil ? .array(values) : values[0]), terminator: "")
        case .yaml:
            print(resources.map { YAMLWriter.document($0.value) }.joined(separator: "---\n"), terminator: "")
        case .table:
            print(Terminal.sanitize(ResourceTable.render(resources, kind: k, state: state)), terminator: "")
        }
    }
}
