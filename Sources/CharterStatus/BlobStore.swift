import CharterGit
import CharterModel
import Crypto

/// Content-addressed blobs in the status branch: `blobs/XX/<sha256 hex>`, XX the hash's first two hex
/// digits (prompts, responses, outputs, diffs). A blob's path is a function of its bytes, so writing
/// the same blob twice is a no-op and two writers never disagree about a path's contents.
public enum BlobStore {
    /// The directory of blobs in the status branch's tree.
    public static let directory = "blobs"

    /// The lowercase hex SHA-256 of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> String {
        CanonicalJSON.hex(SHA256.hash(data: bytes))
    }

    /// The path of the blob holding `bytes`.
    public static func path(for bytes: [UInt8]) -> String {
        path(forHash: hash(bytes))
    }

    /// The path of the blob whose SHA-256 is `hash` (64 lowercase hex digits).
    public static func path(forHash hash: String) -> String {
        "\(directory)/\(hash.prefix(2))/\(hash)"
    }

    /// The hash a blob path claims, or nil when `path` is not `blobs/XX/<64 lowercase hex>` with XX the
    /// hash's first two digits.
    public static func hash(ofPath path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == directory, parts[2].utf8.count == 64,
            parts[2].utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
            parts[1] == parts[2].prefix(2)
        else { return nil }
        return String(parts[2])
    }

    /// The file updates that store `blobs`, keyed by path (duplicates collapse).
    public static func updates(for blobs: [[UInt8]]) -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        for bytes in blobs { result[path(for: bytes)] = bytes }
        return result
    }

    /// The problem with the blob at `path` holding `bytes`, or nil if it verifies.
    public static func check(path: String, bytes: [UInt8]) -> BlobProblem? {
        guard let claimed = hash(ofPath: path) else {
            return BlobProblem(path: path, actualHash: hash(bytes), reason: .invalidPath)
        }
        let actual = hash(bytes)
        return actual == claimed ? nil : BlobProblem(path: path, actualHash: actual, reason: .hashMismatch)
    }

    /// Every blob among `files` (paths under `blobs/`) that does not verify, sorted by path.
    public static func verify(files: [String: [UInt8]]) -> [BlobProblem] {
        files.keys.filter { $0.hasPrefix(directory + "/") }.sorted().compactMap { check(path: $0, bytes: files[$0]!) }
    }

    /// Re-hashes every blob under `blobs/` in `commit`'s tree, one at a time, and returns those that do
    /// not verify, sorted by path.
    public static func verify(in repository: GitRepository, at commit: ObjectID) async throws -> [BlobProblem] {
        let files = try await repository.listFiles(at: commit) { $0.hasPrefix(directory + "/") }
        var problems: [BlobProblem] = []
        for file in files.sorted(by: { $0.path < $1.path }) {
            if let problem = check(path: file.path, bytes: try await repository.blobData(file.blob)) {
                problems.append(problem)
            }
        }
        return problems
    }
}

/// A blob whose contents do not match its path.
public struct BlobProblem: Equatable, Sendable, CustomStringConvertible {
    /// Why the blob fails.
    public enum Reason: Equatable, Sendable {
        /// The path is not `blobs/XX/<sha256 hex>`.
        case invalidPath
        /// The contents hash to something other than the name.
        case hashMismatch
    }

    /// The blob's path.
    public var path: String
    /// The SHA-256 of its actual contents.
    public var actualHash: String
    /// Why it fails.
    public var reason: Reason

    /// "path: reason".
    public var description: String {
        switch reason {
        case .invalidPath: "\(path): not a content-addressed blob path (blobs/XX/<sha256>)"
        case .hashMismatch: "\(path): contents hash to \(actualHash)"
        }
    }
}
