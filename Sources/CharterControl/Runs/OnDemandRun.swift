import CharterEngine
import CharterModel
import CharterScheduling
import Foundation

/// A run started by a person — `charter run`, or `POST /api/v1/runs` — rather than by a schedule:
/// a template with parameters, or a routine with its own arguments.
public enum OnDemandRun {
    /// Why a run could not be made; the message says what to do.
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        /// What is wrong, for people.
        public let message: String
        public var description: String { message }
    }

    /// The spec of a run of `template` with `parameters`, or of `routine`, against the applied
    /// state `actual`. Exactly one of `template` and `routine` is given.
    /// - Throws: ``Refusal`` for an unknown template or routine; the template's argument errors.
    public static func spec(
        actual: OrgState, template: String?, routine: String?, parameters: [String: String], now: Date,
        nonce: String = String(UInt64.random(in: 0...UInt64.max), radix: 16)
    ) throws -> RunSpec {
        let instance: TemplateInstance
        if let routine {
            guard let r = actual.routines[routine] else {
                throw Refusal(message: unknown("routine", routine, Array(actual.routines.keys)))
            }
            guard parameters.isEmpty else {
                throw Refusal(message: "a routine's arguments come from its YAML; give parameters to a template run")
            }
            guard let t = actual.templates[r.template] else {
                throw Refusal(message: "routine \(routine) runs template \(r.template), which is not applied")
            }
            let id = RunID.onDemand(template: t.name, arguments: r.arguments, at: now, nonce: nonce)
            instance = try TemplateInstance(template: t, arguments: r.arguments, runID: id, routine: routine)
        } else if let name = template {
            guard let t = actual.templates[name] else {
                throw Refusal(message: unknown("template", name, Array(actual.templates.keys)))
            }
            let id = RunID.onDemand(
                template: name, arguments: parameters.mapValues(Value.string), at: now, nonce: nonce)
            instance = try TemplateInstance(template: t, commandLine: parameters, runID: id)
        } else {
            throw Refusal(message: "name a template or a routine")
        }
        let priority = routine.flatMap { actual.routines[$0]?.priority } ?? 0
        return TemplateRuns.spec(
            instance, id: instance.runID, routine: routine, priority: priority, roles: actual.roles)
    }

    /// "no applied template `x`; did you mean `y`?" with the applied names.
    public static func unknown(_ kind: String, _ name: String, _ names: [String]) -> String {
        let hint = Suggestion.closest(to: name, in: names).map { "; did you mean `\($0)`?" } ?? ""
        return "no applied \(kind) `\(name)`\(hint) (applied: \(names.sorted().joined(separator: ", ")))"
    }
}
