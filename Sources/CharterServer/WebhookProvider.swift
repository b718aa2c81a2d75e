/// The kind of forge that sent a delivery, recognized from its event header.
public enum WebhookProvider: String, Sendable, Hashable, CaseIterable {
    /// GitHub (`X-GitHub-Event`).
    case github
    /// GitLab (`X-Gitlab-Event`).
    case gitlab
    /// Gitea, Forgejo or Gogs (`X-Gitea-Event`, `X-Forgejo-Event`, `X-Gogs-Event`).
    case gitea
    /// Anything else, such as a CI job or a script using `Authorization: Bearer`.
    case generic
}
