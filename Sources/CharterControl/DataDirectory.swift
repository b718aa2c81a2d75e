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

    /// Where credential files are read from: `$CHARTER_CREDENTIALS_DIR`, else `<data-dir>/credentials`.
    /// CapacitySources' key files and the secrets shell steps are granted both live there, so a
    /// repository can name a file only inside the one directory the operator chose.
    public static func credentials(
        dataDirectory: URL, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> URL {
        if let dir = environment["CHARTER_CREDENTIALS_DIR"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        return dataDirectory.appendingPathComponent("credentials")
    }
}
