import CharterGit
import Foundation

/// Publishes files to the status branch of a remote with compare-and-swap pushes.
///
/// The status branch (default `charter/status`) is its own history: its first commit has no parent and
/// every later one builds on the remote's tip. A publish fetches the branch into the local bare mirror,
/// builds a commit with the file updates on the fetched tip (no working tree), and pushes it without
/// `+`: the remote accepts it only if the branch still points at that tip. When someone else pushed in
/// between (`pushRejected` or `nonFastForward`), it fetches again and re-applies the same updates on the
/// new tip — events and blobs live at paths that never collide, so that is the merge — and retries with
/// bounded exponential backoff. It never force-pushes and never rewrites history.
public struct StatusPublisher: Sendable {
    /// The default status branch.
    public static let defaultBranch = "charter/status"

    /// The local bare mirror of the remote that commits are built in.
    public var repository: GitRepository
    /// The remote's URL (any form `GitRepository.push` accepts; compare-and-swap needs git://, ssh or
    /// https — over `file://` libgit2 updates refs without it).
    public var remoteURL: String
    /// The status branch's short name.
    public var branch: String
    /// Credentials for the remote.
    public var auth: GitAuth
    /// The author (and committer) of each commit, asked once per attempt so the date is current.
    public var signature: @Sendable () -> GitSignature
    /// Attempts before giving up on a contended branch (at least 1).
    public var maxAttempts: Int
    /// The pause after the first rejection; it doubles after each further one, up to `maxBackoff`.
    public var initialBackoff: Duration
    /// The longest pause between attempts.
    public var maxBackoff: Duration
    /// How to pause between attempts (injectable so tests do not sleep).
    public var sleep: @Sendable (Duration) async throws -> Void
    /// Paths under these prefixes are immutable: publishing different bytes to one that already exists on
    /// the branch is a conflict, the same bytes a no-op. Other paths (STATUS.md, status.yaml) are replaced.
    public var immutablePrefixes: [String]
    /// Runs after each attempt's commit is built and before it is pushed, with the attempt number
    /// (from 1) and the commit; tests use it to push something else first.
    public var beforePush: (@Sendable (_ attempt: Int, _ commit: ObjectID) async throws -> Void)?

    /// A publisher of `branch` on `remoteURL`, building its commits in `repository`.
    public init(
        repository: GitRepository, remoteURL: String, branch: String = StatusPublisher.defaultBranch,
        auth: GitAuth = .none,
        signature: @escaping @Sendable () -> GitSignature = {
            GitSignature(name: "Charter", email: "charter@localhost")
        },
        maxAttempts: Int = 5, initialBackoff: Duration = .milliseconds(200), maxBackoff: Duration = .seconds(5),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        immutablePrefixes: [String] = [EventFile.directory + "/", BlobStore.directory + "/"],
        beforePush: (@Sendable (_ attempt: Int, _ commit: ObjectID) async throws -> Void)? = nil
    ) {
        self.repository = repository
        self.remoteURL = remoteURL
        self.branch = branch
        self.auth = auth
        self.signature = signature
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.sleep = sleep
        self.immutablePrefixes = immutablePrefixes
        self.beforePush = beforePush
    }

    /// The full name of the status branch.
    public var reference: String { "refs/heads/" + branch }

    /// The pause before attempt `attempt` (2, 3, …): `initialBackoff` doubled per earlier retry, capped.
    public func backoff(beforeAttempt attempt: Int) -> Duration {
        var delay = initialBackoff
        for _ in 0..<max(0, attempt - 2) {
            delay *= 2
            if delay >= maxBackoff { return maxBackoff }
        }
        return min(delay, maxBackoff)
    }

    /// Commits `files` (path → bytes) on top of the remote status branch and pushes the commit with
    /// compare-and-swap, retrying on rejection; returns the branch's new tip.
    ///
    /// When the branch already holds exactly these files, nothing is committed or pushed and the current
    /// tip is returned. Throws `StatusPublishError.conflict` when an immutable path already holds other
    /// bytes, `.contended` after `maxAttempts` rejected pushes, and `GitError` for any other failure.
    @discardableResult
    public func publish(_ files: [String: [UInt8]], message: String) async throws -> ObjectID {
        var lastRejection: GitError?
        for attempt in 1...maxAttempts {
            if attempt > 1 { try await sleep(backoff(beforeAttempt: attempt)) }
            // Mirror the remote branch exactly (forced, pruned): the local ref may hold a rejected commit.
            try await repository.fetch(
                from: remoteURL, refspecs: ["+\(reference):\(reference)"], auth: auth, prune: true)
            let tip = try await repository.headCommitOfBranch(reference)
            var changes: [String: FileUpdate] = [:]
            for (path, bytes) in files {
                if let tip, isImmutable(path), let existing = try await repository.blobID(at: tip, path: path) {
                    guard try await repository.blobData(existing) == bytes else {
                        throw StatusPublishError.conflict(path: path, tip: tip)
                    }
                    continue
                }
                changes[path] = .write(bytes)
            }
            if let tip, changes.isEmpty { return tip }
            let commit = try await repository.createCommit(
                parent: tip, changes: changes, message: message, author: signature())
            if let tip, try await repository.commit(commit).tree == repository.commit(tip).tree { return tip }
            try await repository.updateRef(reference, to: commit, expected: tip, message: "charter: publish")
            if let beforePush { try await beforePush(attempt, commit) }
            do {
                // No '+': the remote moves the branch only if it is still at `tip`.
                try await repository.push(to: remoteURL, refspecs: ["\(reference):\(reference)"], auth: auth)
                return commit
            } catch let error as GitError where error.code == .pushRejected || error.code == .nonFastForward {
                lastRejection = error
            }
        }
        throw StatusPublishError.contended(attempts: maxAttempts, lastError: lastRejection!)
    }

    private func isImmutable(_ path: String) -> Bool {
        immutablePrefixes.contains { path.hasPrefix($0) }
    }
}

/// Why a publish to the status branch failed.
public enum StatusPublishError: Error, Sendable, CustomStringConvertible {
    /// An immutable path (an events file, a blob) already holds different bytes on the branch.
    case conflict(path: String, tip: ObjectID)
    /// Every attempt was rejected because the branch kept moving.
    case contended(attempts: Int, lastError: GitError)

    /// A readable explanation.
    public var description: String {
        switch self {
        case .conflict(let path, let tip):
            "status branch already holds different contents at \(path) (tip \(tip.short)); immutable paths are never rewritten"
        case .contended(let attempts, let lastError):
            "status branch push rejected \(attempts) times, giving up: \(lastError)"
        }
    }
}
