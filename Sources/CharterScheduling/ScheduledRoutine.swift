import CharterCron
import CharterModel
import Foundation

/// What the scheduler needs to know about one routine: a parsed schedule in a resolved zone and
/// the policies that decide what happens at a tick.
public struct ScheduledRoutine: Sendable, Hashable {
    /// The Routine's name; scheduled run ids start with it.
    public var name: String
    /// The parsed `schedule`.
    public var expression: CronExpression
    /// The routine's zone, or the Organization's when the routine names none.
    public var timeZone: TimeZone
    /// A disabled routine starts nothing; its ticks are skipped and recorded.
    public var enabled: Bool
    /// What to do at a tick while earlier runs of the routine are still active.
    public var concurrencyPolicy: Routine.ConcurrencyPolicy
    /// How late a tick may still be started, in milliseconds; nil means any lateness.
    public var startingDeadlineMilliseconds: Int?
    /// Handed to the runs the routine starts.
    public var priority: Int

    /// Creates a routine from parts already parsed.
    public init(
        name: String, expression: CronExpression, timeZone: TimeZone, enabled: Bool = true,
        concurrencyPolicy: Routine.ConcurrencyPolicy = .allow, startingDeadlineMilliseconds: Int? = nil,
        priority: Int = 0
    ) {
        self.name = name
        self.expression = expression
        self.timeZone = timeZone
        self.enabled = enabled
        self.concurrencyPolicy = concurrencyPolicy
        self.startingDeadlineMilliseconds = startingDeadlineMilliseconds
        self.priority = priority
    }

    /// Parses a Routine's schedule and resolves its zone (the Organization's when it has none).
    ///
    /// A loaded, valid organization never fails here; the errors are for a caller holding a routine
    /// that did not pass validation, and name what to fix.
    public init(_ routine: Routine, organizationTimeZone: String) throws(ScheduleError) {
        let (expression, zone) = try Self.parse(
            routine: routine.name, schedule: routine.schedule, timeZone: routine.timeZone ?? organizationTimeZone)
        self.init(
            name: routine.name, expression: expression, timeZone: zone, enabled: routine.enabled,
            concurrencyPolicy: routine.concurrencyPolicy,
            startingDeadlineMilliseconds: routine.startingDeadlineMilliseconds, priority: routine.priority)
    }

    /// An enabled routine with default policies from a schedule and zone given as text, as
    /// `charter schedule next --cron EXPR --tz ZONE` has them; errors name no routine.
    public init(name: String, schedule: String, timeZone: String) throws(ScheduleError) {
        let (expression, zone) = try Self.parse(routine: nil, schedule: schedule, timeZone: timeZone)
        self.init(name: name, expression: expression, timeZone: zone)
    }

    private typealias Parsed = (expression: CronExpression, zone: TimeZone)

    private static func parse(routine: String?, schedule: String, timeZone: String) throws(ScheduleError) -> Parsed {
        let expression: CronExpression
        do {
            expression = try CronExpression(schedule)
        } catch {
            throw .invalidSchedule(routine: routine, schedule: schedule, error)
        }
        guard let zone = TimeZone(identifier: timeZone) else {
            throw .unknownTimeZone(routine: routine, zone: timeZone)
        }
        return (expression, zone)
    }
}

/// Why a routine cannot be scheduled.
public enum ScheduleError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The cron expression does not parse, or can never fire.
    case invalidSchedule(routine: String?, schedule: String, CronError)
    /// The zone is not in the system's time zone database.
    case unknownTimeZone(routine: String?, zone: String)

    /// One line naming the routine, the offending text and what is wrong.
    public var description: String {
        switch self {
        case .invalidSchedule(let routine, let schedule, let error):
            return "\(routine.map { "Routine/\($0): " } ?? "")invalid schedule `\(schedule)`: \(error.message)"
        case .unknownTimeZone(let routine, let zone):
            let hint =
                Suggestion.closest(to: zone, in: TimeZone.knownTimeZoneIdentifiers).map { "did you mean `\($0)`?" }
                ?? "use an IANA name such as Europe/Berlin or UTC"
            return "\(routine.map { "Routine/\($0): " } ?? "")unknown time zone `\(zone)`; \(hint)"
        }
    }
}
