import CharterModel
import Foundation
import Testing

/// The corpus in `Tests/SchemaCorpus/` runs through Charter's loader and through an independent
/// JSON Schema validator (`scripts/schema-check.py`: ruamel.yaml and the `jsonschema` package)
/// over the emitted `schemas/`. Both must agree with each other and with the file name:
/// `valid-<kind>-<what>.yaml` loads, `invalid-<kind>-<what>.yaml` does not.
@Suite struct SchemaAgreementTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let corpus = root.appendingPathComponent("Tests/SchemaCorpus")
    static let install = "pip install ruamel.yaml jsonschema"

    /// One line of the harness's output.
    struct Verdict: Decodable {
        var file: String
        var valid: Bool
        var errors: [String]
    }

    static func corpusFiles() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: corpus, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "yaml" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// Verdicts of `scripts/schema-check.py` by file name, or nil after recording why there are none.
    static func jsonSchemaVerdicts(_ files: [URL]) throws -> [String: Verdict]? {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("charter-schema-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        // Files rather than pipes, so a large output cannot block the child.
        let outURL = scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let script = root.appendingPathComponent("scripts/schema-check.py").path
        process.arguments = ["python3", script, root.appendingPathComponent("schemas").path] + files.map(\.path)
        process.standardOutput = out
        process.standardError = err
        do {
            try process.run()
        } catch {
            Issue.record("could not run python3 (\(error)); install Python 3 and `\(install)`")
            return nil
        }
        process.waitUntilExit()
        try out.close()
        try err.close()
        let stdout = try Data(contentsOf: outURL)
        let stderr = String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            Issue.record(
                """
                scripts/schema-check.py exited with status \(process.terminationStatus); \
                it needs python3 with `\(install)`:
                \(stderr)
                """)
            return nil
        }
        var verdicts: [String: Verdict] = [:]
        for line in stdout.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            let verdict = try JSONDecoder().decode(Verdict.self, from: Data(line))
            verdicts[URL(fileURLWithPath: verdict.file).lastPathComponent] = verdict
        }
        return verdicts
    }

    @Test func corpusNamesSayWhatTheyExpectAndCoverEveryKind() throws {
        let names = try Self.corpusFiles().map(\.lastPathComponent)
        #expect(names.count >= 60, "the corpus has only \(names.count) files")
        for name in names {
            #expect(
                name.hasPrefix("valid-") || name.hasPrefix("invalid-"),
                "\(name): corpus files are named valid-<kind>-<what>.yaml or invalid-<kind>-<what>.yaml")
        }
        for kind in ResourceKind.allCases {
            let k = kind.rawValue.lowercased()
            #expect(names.contains { $0.hasPrefix("valid-\(k)-") }, "no valid \(kind.rawValue) in the corpus")
            #expect(names.contains { $0.hasPrefix("invalid-\(k)-") }, "no invalid \(kind.rawValue) in the corpus")
        }
    }

    @Test func loaderAndJSONSchemaAgreeOnTheCorpus() throws {
        let files = try Self.corpusFiles()
        try #require(!files.isEmpty, "no corpus files in \(Self.corpus.path)")
        // An unusable harness has recorded why; that fails the test, it does not skip it.
        guard let verdicts = try Self.jsonSchemaVerdicts(files) else { return }
        for file in files {
            let name = file.lastPathComponent
            let expected = name.hasPrefix("valid-")
            let source = SourceFile(
                path: "Tests/SchemaCorpus/\(name)", contents: .bytes(Array(try Data(contentsOf: file))))
            // The schema stage only: references to other resources are not checked here.
            let parsed = Loader.parse(source)
            let loaderValid = parsed.diagnostics.isEmpty && parsed.resources.count == 1
            guard let verdict = verdicts[name] else {
                Issue.record("\(name): scripts/schema-check.py gave no verdict")
                continue
            }
            let loaderSays =
                parsed.diagnostics.isEmpty
                ? "valid (\(parsed.resources.count) resources)"
                : "invalid:\n    " + parsed.diagnostics.map(\.description).joined(separator: "\n    ")
            let jsonSchemaSays =
                verdict.valid ? "valid" : "invalid:\n    " + verdict.errors.joined(separator: "\n    ")
            #expect(
                loaderValid == expected && verdict.valid == expected,
                """
                \(name): expected \(expected ? "valid" : "invalid")
                  loader: \(loaderSays)
                  jsonschema: \(jsonSchemaSays)
                """)
            if !expected, let first = parsed.diagnostics.first {
                #expect(first.line > 0, "\(name): the loader's first diagnostic has no position: \(first)")
            }
        }
    }
}
