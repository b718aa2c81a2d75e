extension GitError {
    /// `text` with the userinfo of every URL in it replaced by `***`, safe to show or log.
    public static func redact(_ text: String) -> String { redactingURLs(in: text) }
}
