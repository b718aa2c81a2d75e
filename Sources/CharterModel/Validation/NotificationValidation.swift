extension Checker {
    /// Notifications name boards, routines, people and teams that exist, reach only addresses the
    /// Organization allows, and have no field that would do nothing: a filter for events the route
    /// does not take, e-mail recipients for a route whose events all go to boards.
    mutating func notifications() {
        let rules = OutboundAddressRules(organization: state.organization)
        for (name, n) in state.notifications {
            let res = r(.notification, name)
            refs(res, JSONPointer("/spec/boards"), .board, n.boards)
            refs(res, JSONPointer("/spec/routines"), .routine, n.routines)
            if !n.boards.isEmpty, !n.events.contains(where: \.isForBoard) {
                out.add(
                    res.diagnostic(
                        "semantic.notification", at: JSONPointer("/spec/boards"),
                        "`boards` narrows `proposal.votesNeeded` and `run.approvalNeeded`, and this route takes neither",
                        hint: "add one of those events, or remove `boards`"))
            }
            if !n.routines.isEmpty, !n.events.contains(where: \.isAboutRun) {
                out.add(
                    res.diagnostic(
                        "semantic.notification", at: JSONPointer("/spec/routines"),
                        "`routines` narrows `run.approvalNeeded` and `run.failed`, and this route takes neither",
                        hint: "add one of those events, or remove `routines`"))
            }
            switch n.sink {
            case .webhook(_, let secret):
                secretFile(res, secret, JSONPointer("/spec/webhook/secret/file"))
            case .slack(let url):
                secretFile(res, url, JSONPointer("/spec/slack/url/file"))
            case .email(let email):
                emailSink(res, n, email, rules)
            }
        }
    }

    private mutating func emailSink(
        _ res: Resource, _ n: NotificationRoute, _ email: NotificationRoute.Email, _ rules: OutboundAddressRules
    ) {
        if let refusal = rules.refusal(host: email.host) {
            out.add(
                res.diagnostic(
                    "semantic.endpoint", at: JSONPointer("/spec/email/server/host"),
                    "`\(Excerpt.cut(email.host))`: \(refusal.message)", hint: refusal.hint))
        }
        if (email.username == nil) != (email.password == nil) {
            out.add(
                res.diagnostic(
                    "semantic.notification",
                    at: JSONPointer(
                        email.username == nil ? "/spec/email/server/password" : "/spec/email/server/username"),
                    "`username` and `password` go together", hint: "give both to log in, or neither"))
        }
        if email.security == .none, email.password != nil {
            out.add(
                res.diagnostic(
                    "semantic.notification", at: JSONPointer("/spec/email/server/password"),
                    "a password would be sent in the clear with `tls: none`",
                    hint: "use `tls: required` (or `starttls`) to log in, or a relay that needs no password"))
        }
        if let password = email.password { secretFile(res, password, JSONPointer("/spec/email/server/password/file")) }
        let needsTo = n.events.contains { !$0.isForBoard }
        if needsTo, email.to.isEmpty {
            out.add(
                res.diagnostic(
                    "semantic.notification", at: JSONPointer("/spec/email"),
                    "e-mail for \(n.events.filter { !$0.isForBoard }.map { "`\($0.rawValue)`" }.joined(separator: ", ")) needs recipients in `to`",
                    hint:
                        "add `to: [{person: NAME}]` or `{team: NAME}`; a board's events go to its members by themselves"
                ))
        } else if !needsTo, !email.to.isEmpty {
            out.add(
                res.diagnostic(
                    "semantic.notification", at: JSONPointer("/spec/email/to"),
                    "`to` is for events that are not a board's, and this route takes only board events, which go to the board's members",
                    hint: "remove `to`, or add an event such as `run.failed`"))
        }
        for (i, recipient) in email.to.enumerated() {
            switch recipient {
            case .person(let p): ref(res, JSONPointer("/spec/email/to/\(i)/person"), .person, p)
            case .team(let t): ref(res, JSONPointer("/spec/email/to/\(i)/team"), .team, t)
            }
        }
    }

    /// Secret files are named by the operator's path, never reached through `..`.
    private mutating func secretFile(_ res: Resource, _ secret: NotificationRoute.SecretReference, _ path: JSONPointer)
    {
        if case .file(let file) = secret, file.contains("..") {
            out.add(
                res.diagnostic(
                    "semantic.credential", at: path, "secret file paths may not contain `..`",
                    hint: "give an absolute path"))
        }
    }
}
