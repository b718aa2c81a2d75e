import CharterModel
import Foundation
import Testing

/// The checked-in JSON Schema files, and the example repository's references to them.
@Suite struct SchemaFilesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let schemas = root.appendingPathComponent("schemas")
    static let exampleRepo = root.appendingPathComponent("example-repo")
    static let modeline = "# yaml-language-server: $schema="

    @Test func checkedInSchemasMatchTheSchemaDSL() throws {
        let emitted = SchemaFiles.all()
        for (name, value) in emitted {
            let onDisk = try? String(contentsOf: Self.schemas.appendingPathComponent(name), encoding: .utf8)
            let current = onDisk == PrettyJSON.string(value)
            #expect(
                current,
                "schemas/\(name) is \(onDisk == nil ? "missing" : "stale"); run `charter schema --write schemas`")
        }
        let present = try FileManager.default.contentsOfDirectory(atPath: Self.schemas.path)
            .filter { $0.hasSuffix(".schema.json") }
        let extra = Set(present).subtracting(emitted.map(\.0)).sorted()
        #expect(
            extra.isEmpty,
            "schemas/ has files the schema DSL does not emit: \(extra); run `charter schema --write schemas`")
    }

    @Test func exampleFilesDeclareAnExistingSchema() throws {
        let enumerator = try #require(FileManager.default.enumerator(atPath: Self.exampleRepo.path))
        var checked = 0
        while let relative = enumerator.nextObject() as? String {
            let url = Self.exampleRepo.appendingPathComponent(relative)
            // Key pairs, and the README, which is not configuration.
            guard !relative.split(separator: "/").contains("demo-keys"), ConfigPaths.isConfigFile(relative) else {
                continue
            }
            checked += 1
            let text = try String(contentsOf: url, encoding: .utf8)
            let first = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            guard first.hasPrefix(Self.modeline) else {
                Issue.record("example-repo/\(relative) does not start with `\(Self.modeline)<path>`")
                continue
            }
            let target = String(first.dropFirst(Self.modeline.count)).trimmingCharacters(in: .whitespaces)
            let resolved = URL(fileURLWithPath: target, relativeTo: url.deletingLastPathComponent()).standardizedFileURL
            guard FileManager.default.fileExists(atPath: resolved.path) else {
                Issue.record("example-repo/\(relative): schema `\(target)` does not exist (\(resolved.path))")
                continue
            }

            // A per-kind schema only fits documents of that kind; mixed files use document.schema.json.
            let file = resolved.lastPathComponent
            guard file != "document.schema.json" else { continue }
            let parsed = Loader.parse(SourceFile(path: relative, contents: .bytes(Array(text.utf8))))
            for resource in parsed.resources {
                #expect(
                    JSONSchemaEmitter.fileName(resource.id.kind) == file,
                    "example-repo/\(relative): \(resource.id) is checked against \(file)")
            }
        }
        #expect(checked > 0, "no YAML files found under \(Self.exampleRepo.path)")
    }
}
