/// The files of `schemas/`: one per kind plus `document.schema.json`.
public enum SchemaFiles {
    /// File name and content of every schema file, in a stable order.
    public static func all() -> [(String, Value)] {
        ResourceKind.allCases.map { (JSONSchemaEmitter.fileName($0), JSONSchemaEmitter.kindSchema($0)) }
            + [("document.schema.json", JSONSchemaEmitter.documentSchema())]
    }
}
