import CharterControl
import CharterEngine
import CharterFoundation
import CharterGovernance
import CharterModel
import CharterStore
import Foundation
import Hummingbird

extension APIRoutes {
    /// `POST /api/v1/runs`: `{"template": NAME, "parameters": {NAME: "text"}}` or
    /// `{"routine": NAME}`. The run is recorded as `charter run --detach` records it; the controller
    /// executes it. 201 with its id.
    func startRun(_ body: [UInt8]) throws -> Response {
        guard let request = try? Value(json: body), let object = request.object else {
            return APIResponse.problem(.badRequest, "the body is not a JSON object")
        }
        let known: Set<String> = ["template", "routine", "parameters"]
        if let extra = object.keys.sorted().first(where: { !known.contains($0) }) {
            return APIResponse.problem(
                .badRequest, "unknown field `\(DisplayText.escaped(extra))`; fields are template, routine, parameters")
        }
        let template = object["template"]?.string
        let routine = object["routine"]?.string
        guard (template == nil) != (routine == nil),
            object["template"].map({ $0.string != nil }) ?? true, object["routine"].map({ $0.string != nil }) ?? true
        else {
            return APIResponse.problem(.badRequest, "give either `template` or `routine`, as a string")
        }
        var parameters: [String: String] = [:]
        if let given = object["parameters"] {
            guard let map = given.object else {
                return APIResponse.problem(.badRequest, "`parameters` is an object of strings")
            }
            for (name, value) in map {
                guard let text = value.string else {
                    return APIResponse.problem(
                        .badRequest,
                        "parameter `\(DisplayText.escaped(name))` is not a string; give every value as text, as `charter run --param` does"
                    )
                }
                parameters[name] = text
            }
        }
        let actual = try self.state.actualState()
        let spec = try OnDemandRun.spec(
            actual: actual, template: template, routine: routine, parameters: parameters, now: now())
        let actor = access.anonymousReads ? "api" : "api (token)"
        _ = try self.runs.createRun(spec, at: now(), actor: actor)
        return APIResponse.json(["id": .string(spec.id), "state": "pending"], status: .created)
    }

    /// `POST /api/v1/votes`: a signed vote document, the bytes `charter vote` commits. It is judged
    /// by the one ``VoteVerifier`` against the applied state and what it votes on (an open
    /// proposal's change set, or a waiting approval's hash); a valid vote is committed to the status
    /// branch, where the next pass counts it (board membership and quorum are the tally's).
    func submitVote(_ body: [UInt8]) async throws -> Response {
        guard let value = try? Value(json: body), let subject = value["proposal"]?.string else {
            return APIResponse.problem(.badRequest, "the body is not a vote document (see `charter vote`)")
        }
        let store = self.state
        let hash: String
        if let id = ProposalID(subject) {
            guard let proposal = try store.proposal(id: id), proposal.state == .open else {
                return APIResponse.problem(.notFound, "no open proposal \(id); see GET /api/v1/proposals")
            }
            hash = proposal.changeSetHash
        } else {
            guard let approval = try RunApprovals.pending(self.runs).first(where: { $0.key == subject }) else {
                return APIResponse.problem(
                    .notFound,
                    "nothing waits for a vote under \(DisplayText.escaped(subject)); see GET /api/v1/approvals")
            }
            hash = approval.hash
        }
        switch VoteVerifier(actual: try store.actualState()).check(body, subject: subject, hash: hash) {
        case .refused(_, let reason):
            return APIResponse.problem(.unprocessableContent, "the vote is refused: \(DisplayText.escaped(reason))")
        case .valid(let document, let signature):
            let path = VoteFiles.path(for: document, signature: signature, bytes: body)
            try await publishVote(path, body, "vote: \(document.voter) \(document.decision)s \(subject) (API)")
            return APIResponse.json(["path": .string(path), "subject": .string(subject)], status: .accepted)
        }
    }
}
