import CharterGit
import CharterGovernance
import CharterStatus

/// The entries Charter writes on the status branch, and why another entry is not one of them.
///
/// Anyone who can push the status branch, or craft its objects, can put anything there: a name git
/// refuses (`..`, `.`, `.git`), a symlink, a file where a vote should be. Such an entry is reported,
/// ignored by every decision and left as it is by every write (`GitRepository.createCommit` rewrites
/// only the trees on the way to what it changes).
public enum StatusLayout {
    /// Why the entry at `path` with `mode` is not one Charter writes or reads, or nil when it is.
    ///
    /// Charter's own directories are checked by shape: `votes/<P-NNNN>/<name>.json`,
    /// `votes/<run>/<step>/<name>.json`, `proposals/<P-NNNN>/proposal.json|diff.txt`, events files and
    /// blobs by their names. Under `runs/` and outside these directories only names and modes are
    /// checked: what is there is not read by any decision.
    public static func problem(path: String, mode: GitFileMode) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if let bad = parts.first(where: isRefusedName) {
            return "its name `\(bad)` is one git refuses (a crafted tree entry)"
        }
        switch mode {
        case .symlink: return "a symlink; Charter writes only regular files"
        case .submodule: return "a submodule; Charter writes only regular files"
        case .executable: return "an executable file; Charter writes only regular files"
        case .regular: break
        }
        switch parts[0] {
        case "votes":
            return isVotePath(parts)
                ? nil
                : "not a vote file (votes/<proposal>/<name>.json, votes/<run>/<step>/<name>.json or votes/<run>/<step>/<call>/<name>.json)"
        case "proposals":
            let valid =
                parts.count == 3 && ProposalID(String(parts[1])) != nil
                && ["proposal.json", "diff.txt"].contains(parts[2])
            return valid ? nil : "not a proposal file (proposals/<P-NNNN>/proposal.json or diff.txt)"
        case Substring(EventFile.directory):
            let valid = parts.count == 5 && EventFile.sequenceRange(ofPath: path) != nil
            return valid ? nil : "not an events file (events/YYYY/MM/DD/<first>-<last>.jsonl.gz)"
        case Substring(BlobStore.directory):
            return BlobStore.hash(ofPath: path) != nil ? nil : "not a blob (blobs/XX/<sha256>)"
        default: return nil
        }
    }

    /// Whether `file` is a vote that decisions may read on what `key` names (a proposal id, or
    /// `RUN/STEP` for an approval step): exactly `votes/<key>/<name>.json`, a regular file, nothing
    /// nested.
    static func isVote(_ file: TreeFile, on key: String) -> Bool {
        let directory = "\(Reconciler.votesDirectory)/\(key)/"
        guard file.path.hasPrefix(directory), !file.path.dropFirst(directory.count).contains("/") else {
            return false
        }
        return problem(path: file.path, mode: file.mode) == nil
    }

    /// A tree entry name that git refuses to check out: empty, `.`, `..`, `.git` in any case, or with a
    /// backslash or NUL. (A crafted tree can hold any of them; `git add` and libgit2's index cannot.)
    static func isRefusedName(_ name: Substring) -> Bool {
        name.isEmpty || name == "." || name == ".." || name.lowercased() == ".git" || name.contains("\\")
            || name.contains("\0")
    }

    private static func isVotePath(_ parts: [Substring]) -> Bool {
        guard (3...5).contains(parts.count), parts.last!.hasSuffix(".json") else { return false }
        let safe = parts.dropFirst().allSatisfy { part in
            part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
        }
        return safe && (parts.count >= 4 || ProposalID(String(parts[1])) != nil)
    }
}
