import ArgumentParser
import CharterModel
import Foundation

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print or write the JSON Schemas (draft 2020-12) of Charter's documents.",
        discussion: """
            Examples:
              charter schema team                 # print schemas/team.schema.json
              charter schema --write schemas      # regenerate every schema file
              charter schema --markdown           # the field reference (docs/RESOURCES.md)
            """)

    @Argument(help: "A kind to print (default: the schema of any document).") var kind: String?
    @Option(help: ArgumentHelp("Write every schema file into this directory.", valueName: "DIR")) var write: String?
    @Flag(help: "Print the Markdown field reference of every kind (docs/RESOURCES.md) instead.") var markdown = false
    @OptionGroup var global: GlobalOptions

    func run() throws {
        if markdown {
            print(ReferenceEmitter.markdown(), terminator: "")
            return
        }
        if let write {
            let dir = URL(fileURLWithPath: write)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for (name, value) in SchemaFiles.all() {
                try Data(PrettyJSON.string(value).utf8).write(to: dir.appendingPathComponent(name))
            }
            print("wrote \(SchemaFiles.all().count) schema files to \(write)")
            return
        }
        guard let kind else {
            print(PrettyJSON.string(JSONSchemaEmitter.documentSchema()), terminator: "")
            return
        }
        guard let k = ResourceKind(loose: kind) else {
            throw ValidationError(
                "unknown kind `\(kind)`; kinds are \(ResourceKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        print(PrettyJSON.string(JSONSchemaEmitter.kindSchema(k)), terminator: "")
    }
}
