import CharterGovernance
import CharterStore

extension StateStore {
    /// Saves `proposal` unless it is exactly what the store holds (same version, nothing recorded since
    /// it was read). A save always bumps the version, which `proposal.json` on the status branch shows,
    /// so saving an unchanged proposal every pass would make every idle pass a commit.
    func saveIfChanged(_ proposal: Proposal, actor: String) throws -> Proposal {
        if try self.proposal(id: proposal.id) == proposal { return proposal }
        return try save(proposal, actor: actor)
    }
}
