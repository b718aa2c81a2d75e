import CGit2

/// Process-wide libgit2 initialisation.
///
/// `git_libgit2_init` is reference-counted and must precede every other call; a `static let` runs it
/// exactly once, lazily and thread-safely. We never call `git_libgit2_shutdown`: objects may outlive any
/// point where it would be safe.
enum GitRuntime {
    static let initialized: Void = {
        git_libgit2_init()
        _ = charter_git_set_user_agent("charter")
    }()

    @inline(__always)
    static func ensure() { _ = initialized }
}
