import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Finds the repository a command runs in, like git does from a subdirectory.
enum RepositoryRoot {
    /// The nearest directory at or above `directory` that holds `.git`, or nil.
    static func find(from directory: String) -> String? {
        var url = URL(fileURLWithPath: directory).standardizedFileURL
        while true {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent(".git").path) { return url.path }
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path { return nil }
            url = parent
        }
    }
}
