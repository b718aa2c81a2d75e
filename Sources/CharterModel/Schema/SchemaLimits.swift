/// Upper bounds on counts and lengths that the schema enforces on every document.
///
/// Repository content is untrusted (anyone who can push a `proposals/*` branch makes the
/// controller load it), so every list and mapping has a bound: far beyond what a real
/// organization writes, small enough that every check over them stays cheap. The bounds are in
/// the JSON Schema (`maxItems`, `maxProperties`, `maxLength`) and in docs/RESOURCES.md.
public enum SchemaLimits {
    /// Labels and annotations of one resource.
    public static let labels = 64
    /// Characters of an annotation value.
    public static let annotationLength = 4096
    /// Characters of a display name, chat handle or model name.
    public static let shortText = 256
    /// Characters of a branch name or prefix.
    public static let branchLength = 255
    /// Characters of an endpoint URL.
    public static let urlLength = 2048
    /// Characters of a file path.
    public static let pathLength = 4096
    /// Teams a person names.
    public static let personTeams = 100
    /// SSH keys of a person.
    public static let sshKeys = 32
    /// Members a team lists.
    public static let teamMembers = 10_000
    /// Members of a board.
    public static let boardMembers = 1_000
    /// Seats of all boards together, teams expanded (with repeats): beyond this, rosters are not
    /// counted (checked across resources, not in the JSON Schema).
    public static let boardExpansion = 10_000_000
    /// Change rules of a policy, and names or fields a rule matches.
    public static let changeRules = 1_000
    /// Boards a change rule requires.
    public static let ruleBoards = 100
    /// Entries of each allow or deny list of a policy's run rules.
    public static let ruleEntries = 1_000
    /// Steps of a template: validation work grows with steps × their references.
    public static let steps = 1_000
    /// Steps one step needs.
    public static let needs = 100
    /// Parameters of a template, and arguments of a routine.
    public static let parameters = 100
    /// Values of an `enum` parameter.
    public static let enumValues = 1_000
    /// Environment variables, network destinations and secrets of a step.
    public static let stepEntries = 100
}
