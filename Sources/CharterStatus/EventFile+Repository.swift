import CharterGit
import CharterStore

extension EventFile {
    /// The events in the events file `file` of a tree in `repository`, or why it cannot be read.
    ///
    /// Whatever is wrong with the entry is reported, never thrown: a symlink or submodule where a file
    /// should be, an object missing from the repository or larger than `maxBytes`, contents that do not
    /// decompress or parse. One damaged file must not stop a reader of the others.
    public static func read(
        _ file: TreeFile, in repository: GitRepository, maxBytes: Int = Gzip.defaultMaxBytes
    ) async -> Result<[Event], EventFileError> {
        func unreadable(_ message: String) -> Result<[Event], EventFileError> {
            .failure(EventFileError(path: file.path, line: nil, message: message))
        }
        guard file.mode == .regular || file.mode == .executable else {
            return unreadable("not a file but a \(file.mode == .symlink ? "symlink" : "submodule")")
        }
        let bytes: [UInt8]
        do {
            let size = try await repository.blobSize(file.blob)
            guard size <= maxBytes else { return unreadable("\(size) bytes, more than the limit of \(maxBytes)") }
            bytes = try await repository.blobData(file.blob)
        } catch {
            return unreadable("its object cannot be read: \(error)")
        }
        do { return .success(try read(bytes, path: file.path, maxBytes: maxBytes)) } catch {
            return .failure(error)
        }
    }
}
