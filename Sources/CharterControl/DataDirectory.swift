import Foundation

/// Where the controller keeps its state: the SQLite store and mirrors of remote repositories.
public enum DataDirectory {
    /// `$CHARTER_DATA_DIR`, else `$XDG_DATA_HOME/charter`, else `~/.local/share/charter`.
    public static func defaultURL(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let dir = environment["CHARTER_DATA_DIR"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg).appendingPathComponent("charter")
        }
        let home =
            environment["HOME"].map { URL(fileURLWithPath: $0) } ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".local/share/charter")
    }
}
