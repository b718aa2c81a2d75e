import CharterModel

/// The tools one agent step may be offered, by dotted name, and the names the model calls them by.
///
/// Providers accept tool names matching `^[A-Za-z0-9_-]{1,64}$`, so every dotted name gets a wire
/// name: dots become `__` and any other character `_`, cut to 64 bytes and made unique with a
/// numeric suffix. The model only ever sees wire names; records show dotted names.
public struct ToolRegistry: Sendable {
    /// The tools, by dotted name.
    public private(set) var tools: [String: any AgentTool] = [:]
    private var wireNames: [String: String] = [:]
    private var byWireName: [String: String] = [:]

    /// A registry of `tools` (a later tool of the same name replaces an earlier one).
    public init(_ tools: [any AgentTool] = []) {
        for tool in tools { add(tool) }
    }

    /// Adds `tool`, replacing one of the same name.
    public mutating func add(_ tool: any AgentTool) {
        if let wire = wireNames[tool.name] {
            tools[tool.name] = tool
            byWireName[wire] = tool.name
            return
        }
        tools[tool.name] = tool
        var wire = Self.wireBase(tool.name)
        var n = 2
        while byWireName[wire] != nil {
            let suffix = "_\(n)"
            wire = String(Self.wireBase(tool.name).prefix(64 - suffix.count)) + suffix
            n += 1
        }
        wireNames[tool.name] = wire
        byWireName[wire] = tool.name
    }

    /// The wire name of the tool `name`.
    public func wireName(of name: String) -> String? { wireNames[name] }

    /// The dotted name of the tool the model called `wire`, or nil for a name never offered.
    public func name(ofWire wire: String) -> String? { byWireName[wire] }

    /// Every tool's dotted name, sorted.
    public var names: [String] { tools.keys.sorted() }

    /// The built-in tools that need nothing but the workspace.
    public static let fileTools: [any AgentTool] = [
        FilesListTool(), FilesReadTool(), FilesSearchTool(), FilesWriteTool(), FilesEditTool(),
    ]

    private static func wireBase(_ name: String) -> String {
        var wire = ""
        for scalar in name.unicodeScalars {
            switch scalar {
            case ".": wire += "__"
            case "a"..."z", "A"..."Z", "0"..."9", "_", "-": wire.unicodeScalars.append(scalar)
            default: wire += "_"
            }
        }
        return String((wire.isEmpty ? "tool" : wire).prefix(64))
    }
}
