import Foundation

/// Builds the environment a step sees: an allow-list of the controller's variables, never all of
/// them, because the controller's environment holds credentials (API keys, tokens) that steps must
/// not read.
public enum ShellEnvironment {
    /// The controller variables copied into every step by default.
    public static let defaultInherited = ["PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ"]
    /// `PATH` when the controller has none.
    public static let fallbackPath = "/usr/local/bin:/usr/bin:/bin"

    /// The environment of one step: `inherited` names taken from `controller` when set, `PATH`
    /// (with a fallback), `HOME` and `PWD` set to the workspace, then the step's own variables,
    /// which win.
    ///
    /// - Throws: ``ShellError/Kind/invalidEnvironment`` for a name that is empty or holds `=` or
    ///   NUL, or a value that holds NUL; the message names the variable, never its value.
    public static func make(
        inherited: [String], controller: [String: String], workspace: String, step: [String: String]
    ) throws -> [String: String] {
        var result: [String: String] = [:]
        for name in inherited {
            if let value = controller[name] { result[name] = value }
        }
        if result["PATH"] == nil { result["PATH"] = fallbackPath }
        result["HOME"] = workspace
        result["PWD"] = workspace
        for (name, value) in step {
            guard !name.isEmpty, !name.contains("="), !name.contains("\0") else {
                throw ShellError(
                    .invalidEnvironment,
                    "step variable name \(name.debugDescription) is not valid: use a non-empty name without `=` or NUL")
            }
            guard !value.contains("\0") else {
                throw ShellError(.invalidEnvironment, "the value of step variable `\(name)` contains a NUL byte")
            }
            result[name] = value
        }
        return result
    }
}
