import CharterModel
import CharterScheduling
import Foundation

/// What `charter get people|routines` and the dashboard's organization page derive from the applied
/// state, in one place so they agree: which teams a person is on, the zone a routine fires in, and
/// its next fire times.
public enum OrgView {
    /// Person name → the teams they are on, sorted. Membership is declared on either side — a Team's
    /// `members` or a Person's `teams` — so it is read through ``OrgState/members(ofTeam:)``,
    /// which merges both, never from `Person.teams` alone (usually empty).
    public static func teamsByPerson(_ state: OrgState) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for team in state.teams.keys.sorted() {
            for person in state.members(ofTeam: team) { result[person, default: []].append(team) }
        }
        return result
    }

    /// The zone `routine` fires in, as people should read it: its own `timeZone`, or the
    /// Organization's marked `(organization)` — an empty cell would suggest UTC, or nothing.
    public static func timeZone(of routine: Routine, organization: Organization?) -> String {
        if let own = routine.timeZone { return own }
        return "\(organization?.timeZone ?? "UTC") (organization)"
    }

    /// The next `count` fire times of `routine` after `date` (as `charter schedule next` lists
    /// them), in the zone it fires in; empty when its schedule does not parse.
    public static func nextFires(
        of routine: Routine, organization: Organization?, after date: Date, count: Int = 1
    ) -> (zone: TimeZone, fires: [Date])? {
        guard let scheduled = try? ScheduledRoutine(routine, organizationTimeZone: organization?.timeZone ?? "UTC")
        else { return nil }
        return (
            scheduled.timeZone,
            Scheduler.nextFires(of: scheduled.expression, in: scheduled.timeZone, after: date, count: count)
        )
    }
}
