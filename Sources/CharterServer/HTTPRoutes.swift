import Hummingbird

/// More routes on the controller's one HTTP server, next to `/hooks/git`, `/healthz` and
/// `/readyz`: the JSON API, the dashboard, `/metrics`. Each concern registers its own, so the
/// server knows none of them.
public protocol HTTPRoutes: Sendable {
    /// Adds this concern's routes to `router`.
    func register(on router: Router<BasicRequestContext>)
}
