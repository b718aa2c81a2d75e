import ArgumentParser
import CharterControl
import CharterModel
import Foundation

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check an organization repository: syntax, schema, references, cycles and semantics.",
        discussion: """
            Reports every problem at once, sorted, as file:line:column. Exits 0 when valid, 1 otherwise.

            Examples:
              charter validate                      # the current directory, uncommitted changes included
              charter validate ./org --rev main     # the commit at main
              charter validate ssh://git@host/org.git -o json
            """)

    @OptionGroup var source: SourceOptions
    @Option(name: [.customShort("o"), .long], help: "Output format: text or json.") var output: OutputFormat = .text
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let loaded = try await CLIErrors.run {
            try await Operations.load(try source.request(), dataDirectory: global.dataDirectory)
        }
        let r = loaded.result
        switch output {
        case .json:
            let value: Value = [
                "valid": .bool(r.isValid), "source": .string(loaded.source.description),
                "revision": loaded.source.revision.map(Value.string) ?? .null,
                "files": .int(r.fileCount), "documents": .int(r.documentCount), "errors": .int(r.errorCount),
                "resources": .int(r.state.resources.count),
                "diagnostics": .array(r.diagnostics.map(DiagnosticJSON.value)),
            ]
            print(PrettyJSON.string(value), terminator: "")
        case .text:
            if r.isValid {
                print(
                    Terminal.sanitize(
                        "\(loaded.source.description): valid — \(r.state.resources.count) resources in \(r.fileCount) files"
                    ))
            } else {
                for d in r.diagnostics { Terminal.printError(d.description) }
                Terminal.printError(
                    "\(r.errorCount) error\(r.errorCount == 1 ? "" : "s") in \(loaded.source.description)")
            }
        }
        if !r.isValid { throw ExitCode(1) }
    }
}

enum DiagnosticJSON {
    static func value(_ d: Diagnostic) -> Value {
        [
            "code": .string(d.code), "file": .string(d.file), "line": .int(d.line), "column": .int(d.column),
            "resource": d.resource.map { .string($0.description) } ?? .null,
            "path": d.path.map { .string($0.description) } ?? .null, "message": .string(d.message),
            "hint": d.hint.map(Value.string) ?? .null,
        ]
    }
}

/// Prints a failure the way users expect — one clear line on stderr — and exits 1.
enum CLIErrors {
    static func run<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let e as ValidationFailure {
            Terminal.printError(e.description)
            throw ExitCode(1)
        } catch let e as ExitCode {
            throw e
        } catch {
            Terminal.printError("error: \(error)")
            throw ExitCode(1)
        }
    }
}
