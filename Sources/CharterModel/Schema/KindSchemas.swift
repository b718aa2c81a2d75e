/// The schema of every kind: the single source of truth for field names, types and defaults.
///
/// `schemas/*.schema.json` are generated from these (`charter schema --write schemas`), and a test
/// fails when the checked-in files differ from what this code emits.
public enum KindSchemas {
    static func str(_ d: String, _ p: Pattern? = nil, enumValues: [String]? = nil, max: Int? = nil) -> Schema {
        .string(
            StringSchema(
                d, pattern: p, enumValues: enumValues, minLength: enumValues == nil && p == nil ? 1 : nil,
                maxLength: max))
    }
    static func name(_ d: String) -> Schema { .string(StringSchema(d, pattern: Patterns.name, maxLength: 63)) }
    static func names(_ d: String, max: Int) -> Schema {
        .array(ArraySchema(d, items: name("A name."), maxItems: max, uniqueItems: true))
    }
    static func int(_ d: String, min: Int? = nil, max: Int? = nil) -> Schema {
        .integer(IntegerSchema(d, minimum: min, maximum: max))
    }
    /// A duration in `range`; the range is part of the description, since JSON Schema cannot check it.
    static func duration(_ d: String, _ range: DurationRange) -> Schema {
        .string(
            StringSchema(
                "\(d) From \(DurationText.format(range.minimum)) to \(DurationText.format(range.maximum)).",
                pattern: Patterns.duration, maxLength: 32, durationRange: range))
    }
    static func strings(_ d: String, max: Int) -> Schema {
        .array(ArraySchema(d, items: str("A value.", max: SchemaLimits.shortText), maxItems: max, uniqueItems: true))
    }

    /// The longest tool name pattern: `mcp.`, a ToolServer name, `.` and a 64-character tool name fit.
    static let toolPatternLength = 128

    /// A list of tool name patterns. The loader checks each names a tool that exists: a built-in
    /// tool, or a tool of a declared ToolServer (`mcp.<server>.…`).
    static func tools(_ d: String, minItems: Int? = nil) -> Schema {
        .array(
            ArraySchema(
                d,
                items: .string(
                    StringSchema(
                        "A tool name or pattern: a built-in tool (`files.read`), a glob matching built-in tools (`files.*`, `*`), or a ToolServer's tools (`mcp.git.*`, `mcp.git.git_status`).",
                        pattern: Patterns.toolPattern, maxLength: toolPatternLength)), minItems: minItems,
                maxItems: SchemaLimits.ruleEntries, uniqueItems: true))
    }

    /// `metadata`: the name and labels every resource has.
    public static let metadata = ObjectSchema(
        "metadata", "Identity of the resource. `kind/name` is unique in the repository.",
        properties: [
            Property(
                "name", name("The resource's name: lower-case letters, digits and '-', at most 63 characters."),
                required: true),
            Property(
                "labels",
                .map(
                    MapSchema(
                        "Key/value labels that policies select on.", keyPattern: Patterns.labelKey,
                        values: str("A label value.", max: 63).allowingEmpty, maxEntries: SchemaLimits.labels)),
                default: .object([:])),
            Property(
                "annotations",
                .map(
                    MapSchema(
                        "Free-form notes for people and tools; never used for selection.",
                        keyPattern: Patterns.labelKey,
                        values: Schema.string(
                            StringSchema("An annotation value.", maxLength: SchemaLimits.annotationLength)),
                        maxEntries: SchemaLimits.labels)),
                default: .object([:])),
        ])

    static let organization = ObjectSchema(
        "Organization spec", "The company: exactly one per repository.",
        properties: [
            Property(
                "displayName", str("The organization's name as people read it.", max: SchemaLimits.shortText),
                required: true),
            Property("description", str("What the organization does.")),
            Property(
                "timeZone",
                .string(
                    StringSchema("Default IANA time zone for routines.", pattern: Patterns.timeZone, maxLength: 100)),
                default: "UTC"),
            Property(
                "controller",
                .object(
                    ObjectSchema(
                        "controller settings", "How the controller follows this repository.",
                        properties: [
                            Property(
                                "branch",
                                str("The watched branch holding the desired state.", max: SchemaLimits.branchLength),
                                default: "main"),
                            Property(
                                "statusBranch",
                                str(
                                    "The branch the controller writes status, proposals and events to.",
                                    max: SchemaLimits.branchLength), default: "charter/status"),
                            Property(
                                "proposalBranchPrefix",
                                str(
                                    "Branches under this prefix are proposals against the watched branch.",
                                    max: SchemaLimits.branchLength), default: "proposals/"),
                            Property(
                                "pollInterval",
                                duration(
                                    "How often the controller fetches when no webhook arrives.", .pollInterval),
                                default: "1m"),
                        ])),
                default: [
                    "branch": "main", "statusBranch": "charter/status", "proposalBranchPrefix": "proposals/",
                    "pollInterval": "1m",
                ]),
            Property(
                "governance",
                .object(
                    ObjectSchema(
                        "governance settings", "Defaults for approvals.",
                        properties: [
                            Property(
                                "requireSignedVotes",
                                .boolean(
                                    description:
                                        "Whether votes must carry an SSH signature from a key on the voter's Person."),
                                default: true),
                            Property(
                                "massRemovalPercent",
                                int(
                                    "Removing more than this percentage of any kind at once is refused unless a policy allows it.",
                                    min: 1, max: 100), default: 25),
                        ])),
                default: ["requireSignedVotes": true, "massRemovalPercent": 25]),
            Property(
                "endpoints",
                .object(
                    ObjectSchema(
                        "endpoint settings",
                        "Where the controller itself may send requests the repository asks for (CapacitySource endpoints, ToolServer URLs).",
                        properties: [
                            Property(
                                "allowCIDRs",
                                .array(
                                    ArraySchema(
                                        "Non-public networks endpoints may reach, in CIDR notation (`127.0.0.0/8`, `::1/128`, `10.0.0.0/8`, `fd00::/8`). Without an entry, loopback, private, link-local, CGNAT and other non-public addresses are refused. Cloud metadata services (169.254.169.254, fd00:ec2::254, 100.100.100.200, …) stay refused inside a listed network unless an entry names exactly that address (`169.254.169.254/32`).",
                                        items: .string(
                                            StringSchema(
                                                "An IPv4 or IPv6 network, such as `127.0.0.0/8` or `fd00::/8`, or one address.",
                                                pattern: Patterns.cidr, maxLength: 49)),
                                        maxItems: SchemaLimits.ruleEntries, uniqueItems: true)),
                                default: [])
                        ])),
                default: ["allowCIDRs": []]),
        ])

    static let person = ObjectSchema(
        "Person spec", "A human or an agent who works in the organization.",
        properties: [
            Property(
                "displayName", str("The person's name as others read it.", max: SchemaLimits.shortText), required: true),
            Property("type", str("`human` or `agent`.", enumValues: ["human", "agent"]), default: "human"),
            Property(
                "email", .string(StringSchema("Contact e-mail address.", pattern: Patterns.email, maxLength: 254))),
            Property("chat", str("Chat handle, such as `@ada`.", max: SchemaLimits.shortText)),
            Property("role", name("The Role this person works in; required for agents.")),
            Property(
                "teams",
                names(
                    "Teams this person belongs to (in addition to teams listing them as members).",
                    max: SchemaLimits.personTeams), default: []),
            Property("manager", name("The Person this person reports to.")),
            Property(
                "sshKeys",
                .array(
                    ArraySchema(
                        "ed25519 public keys that verify this person's signed votes.",
                        items: .string(
                            StringSchema(
                                "An OpenSSH ed25519 public key.", pattern: Patterns.sshEd25519, maxLength: 1024)),
                        maxItems: SchemaLimits.sshKeys, uniqueItems: true)),
                default: []),
        ],
        conditionals: [Conditional(when: "type", equals: "agent", require: ["role"], forbid: ["sshKeys"])])

    static let team = ObjectSchema(
        "Team spec", "A group of people, nested under a parent team.",
        properties: [
            Property(
                "displayName", str("The team's name as people read it.", max: SchemaLimits.shortText), required: true),
            Property("description", str("What the team is for.")),
            Property("parent", name("The Team this team belongs to.")),
            Property("lead", name("The Person who leads the team.")),
            Property("members", names("People on the team.", max: SchemaLimits.teamMembers), default: []),
        ])

    /// Daily limits on `whose` spending (the description's subject).
    static func budget(_ whose: String) -> Schema {
        .object(
            ObjectSchema(
                "budget", "Daily limits on what \(whose) spend; a limit is reached when usage equals it.",
                properties: [
                    Property("tokensPerDay", int("Tokens (input plus output) per day.", min: 0)),
                    Property(
                        "costPerDay",
                        .number(
                            NumberSchema("Cost per day, in the currency of the capacity sources' prices.", minimum: 0))),
                ]))
    }

    static let role = ObjectSchema(
        "Role spec", "What an agent in this role may do, and with which model.",
        properties: [
            Property("description", str("What people in this role do.")),
            Property(
                "capacityClass", name("The capacity class (a CapacitySource `class`) this role's agent steps use."),
                required: true),
            Property(
                "model",
                str("A preferred model within the class, if several sources serve it.", max: SchemaLimits.shortText)),
            Property(
                "systemPrompt",
                .string(
                    StringSchema(
                        "The system prompt for this role's agent steps.", maxLength: TemplateLimits.maxTextLength)),
                default: ""),
            Property(
                "allowedStepTypes",
                .array(
                    ArraySchema(
                        "Step types this role may run.",
                        items: str("A step type.", enumValues: ["agent", "shell", "approval"]), minItems: 1,
                        uniqueItems: true)), default: ["agent"]),
            Property(
                "tools",
                tools(
                    "Tools agent steps in this role may call, by dotted name; a Policy's runRules.tools.allow must allow them too, and any Policy's deny wins."
                ), default: []),
            Property("budget", budget("this role's agent steps")),
        ])

    static let boardMember = ObjectSchema(
        "board member", "A person, or a whole team.",
        properties: [
            Property("person", name("A Person.")),
            Property("team", name("A Team: all its members sit on the board.")),
        ],
        exactlyOneOf: ["person", "team"])

    static let board = ObjectSchema(
        "Board spec", "An approval board: who votes and what quorum decides.",
        properties: [
            Property(
                "displayName", str("The board's name as people read it.", max: SchemaLimits.shortText), required: true),
            Property("description", str("What the board decides.")),
            Property(
                "members",
                .array(
                    ArraySchema(
                        "Who sits on the board.", items: .object(boardMember), minItems: 1,
                        maxItems: SchemaLimits.boardMembers, uniqueItems: true)),
                required: true),
            Property(
                "quorum",
                .object(
                    ObjectSchema(
                        "quorum", "How many approvals decide.",
                        properties: [
                            Property(
                                "rule",
                                str(
                                    "`unanimous`, `majority` (more than half), `atLeast` (`count` approvals) or `percent` (at least `percent` of members).",
                                    enumValues: ["unanimous", "majority", "atLeast", "percent"]), required: true),
                            Property("count", int("Approvals needed, for `atLeast`.", min: 1)),
                            Property(
                                "percent",
                                int("Percentage of members needed, for `percent` (rounded up).", min: 1, max: 100)),
                            Property("veto", .boolean(description: "Whether a single reject rejects."), default: false),
                        ],
                        conditionals: [
                            Conditional(when: "rule", equals: "atLeast", require: ["count"], forbid: ["percent"]),
                            Conditional(when: "rule", equals: "percent", require: ["percent"], forbid: ["count"]),
                            Conditional(when: "rule", equals: "unanimous", forbid: ["count", "percent"]),
                            Conditional(when: "rule", equals: "majority", forbid: ["count", "percent"]),
                        ])),
                required: true),
        ])

    static let kinds = ResourceKind.allCases.map(\.rawValue)

    static let changeRule = ObjectSchema(
        "change rule", "Which changes need which boards. Rules are tried in order; the first match decides.",
        properties: [
            Property("name", name("The rule's name, shown on proposals it routes."), required: true),
            Property(
                "match",
                .object(
                    ObjectSchema(
                        "match", "Which changes the rule applies to; an empty match matches every change.",
                        properties: [
                            Property(
                                "kinds",
                                .array(
                                    ArraySchema(
                                        "Resource kinds.", items: str("A kind.", enumValues: kinds), uniqueItems: true)),
                                default: []),
                            Property(
                                "names",
                                strings(
                                    "Resource names; `*` matches any run of characters.", max: SchemaLimits.changeRules),
                                default: []),
                            Property(
                                "labels",
                                .map(
                                    MapSchema(
                                        "Labels the resource must have (all of them).", keyPattern: Patterns.labelKey,
                                        values: .string(StringSchema("A label value.", maxLength: 63)),
                                        maxEntries: SchemaLimits.labels)), default: .object([:])),
                            Property(
                                "fields",
                                .array(
                                    ArraySchema(
                                        "Field paths (JSON pointers, `*` for one segment) of which at least one must change.",
                                        items: .string(
                                            StringSchema(
                                                "A field path.", pattern: Patterns.fieldPath,
                                                maxLength: SchemaLimits.pathLength)),
                                        maxItems: SchemaLimits.changeRules, uniqueItems: true)), default: []),
                            Property(
                                "operations",
                                .array(
                                    ArraySchema(
                                        "Operations.",
                                        items: str("An operation.", enumValues: ["create", "update", "delete"]),
                                        uniqueItems: true)), default: []),
                        ])),
                default: ["kinds": [], "names": [], "labels": .object([:]), "fields": [], "operations": []]),
            Property(
                "action",
                str(
                    "`require` approval by `boards`, `autoApprove`, or `forbid` the change.",
                    enumValues: ["require", "autoApprove", "forbid"]), required: true),
            Property(
                "boards", names("Boards that must all approve, for `require`.", max: SchemaLimits.ruleBoards),
                default: []),
            Property(
                "allowGuards",
                .array(
                    ArraySchema(
                        "Guards this rule lifts, with approval by `boards`.",
                        items: str("A guard.", enumValues: ["massRemoval", "lastBoardMember", "quorumBreak"]),
                        uniqueItems: true)), default: []),
        ],
        conditionals: [Conditional(when: "action", equals: "forbid", forbid: ["allowGuards"])])

    static func allowDeny(_ description: String, allow: String, deny: String, items: Schema) -> Schema {
        .object(
            ObjectSchema(
                "allow/deny list", description,
                properties: [
                    Property(
                        "allow",
                        .array(ArraySchema(allow, items: items, maxItems: SchemaLimits.ruleEntries, uniqueItems: true)),
                        default: []),
                    Property(
                        "deny",
                        .array(ArraySchema(deny, items: items, maxItems: SchemaLimits.ruleEntries, uniqueItems: true)),
                        default: []),
                ]))
    }

    static let toolApproval = ObjectSchema(
        "tool approval rule",
        "Calls of these tools wait, durably, until the board approves that exact call with signed votes.",
        properties: [
            Property("tools", tools("Tool name patterns whose calls need approval.", minItems: 1), required: true),
            Property("board", name("The Board that approves each call."), required: true),
            Property(
                "exceptPaths",
                .array(
                    ArraySchema(
                        "Path patterns inside the sandbox (`/workspace/scratch/**`): a file tool call whose `path` one matches runs without approval.",
                        items: str("A path pattern.", max: PathPattern.maxLength), maxItems: SchemaLimits.ruleEntries,
                        uniqueItems: true)), default: []),
        ])

    static let toolAllowDeny = Schema.object(
        ObjectSchema(
            "tool rules",
            "Tools agent steps may call, by dotted name (`files.read`, `shell.exec`, `mcp.git.git_status`); `*` matches any run of characters. A tool is offered only when the step's Role lists it, some Policy allows it and no Policy denies it.",
            properties: [
                Property("allow", tools("Allowed tools."), default: []),
                Property("deny", tools("Denied tools; a deny wins, over every Policy."), default: []),
                Property(
                    "requireApproval",
                    .array(
                        ArraySchema(
                            "Tool calls that wait for a board's signed approval before they run; the first rule that applies decides.",
                            items: .object(toolApproval), maxItems: SchemaLimits.ruleEntries)), default: []),
            ]))

    static let policy = ObjectSchema(
        "Policy spec", "Rules for changes to the organization and for what runs may do.",
        properties: [
            Property("description", str("What the policy is for.")),
            Property(
                "changeRules",
                .array(
                    ArraySchema(
                        "Change rules, tried in order.", items: .object(changeRule), maxItems: SchemaLimits.changeRules)
                ),
                default: []),
            Property(
                "runRules",
                .object(
                    ObjectSchema(
                        "run rules", "Limits on what runs may do.",
                        properties: [
                            Property("tools", toolAllowDeny),
                            Property(
                                "paths",
                                allowDeny(
                                    "What a shell step's sandbox shows, as path patterns inside it: `/usr/**`, `~/.ssh/**` (`~` is the workspace), `*.pem` (any depth of the workspace). A deny wins, over every Policy.",
                                    allow:
                                        "When any Policy has one, only default mounts these match (the mount point itself: `/usr/**`) are mounted, and workspace entries they do not reach are masked.",
                                    deny:
                                        "Mounts these match are left out; existing workspace entries they match are masked.",
                                    items: str("A path pattern.", max: PathPattern.maxLength))),
                            Property(
                                "network",
                                allowDeny(
                                    "Where shell steps and stdio ToolServers may connect through Charter's egress proxy, as `host:port` patterns: `git.example.com:443`, `*.example.com:443`, `10.0.0.0/8:22`, `[::1]:9418`, `*:*`. A step must ask for a destination too. A deny wins, over every Policy.",
                                    allow:
                                        "Destinations allowed. Loopback, private, link-local (cloud metadata) and other non-public addresses need a rule naming the address or network; the controller's own ports need the exact address and port.",
                                    deny: "Destinations refused.", items: str("A `host:port` pattern.", max: 300))),
                            Property(
                                "secrets",
                                allowDeny(
                                    "Which secrets (files in the controller's credentials directory) shell steps may ask for and ToolServers may use as `http.credential`, by name; `*` matches any run of characters. A deny wins, over every Policy.",
                                    allow: "Secret names granted.", deny: "Secret names refused.",
                                    items: str("A secret name pattern.", Patterns.namePattern, max: 63))),
                            Property(
                                "allowUnsandboxed",
                                .boolean(
                                    description:
                                        "Whether a shell step may run without a sandbox where bubblewrap does not work; every view of the step then says so."
                                ), default: false),
                            Property(
                                "budget",
                                budget("all agent steps of the organization (with several Policies, every limit holds)")
                            ),
                        ])),
                default: .object([:])),
        ])

    static let parameter = ObjectSchema(
        "parameter", "A typed template parameter.",
        properties: [
            Property(
                "name",
                .string(
                    StringSchema("The parameter's name, used as `${{ params.NAME }}`.", pattern: Patterns.identifier)),
                required: true),
            Property(
                "type",
                str(
                    "`string`, `int`, `bool`, `enum` or `list` (of strings: every element must be a string).",
                    enumValues: ["string", "int", "bool", "enum", "list"]),
                default: "string"),
            Property("description", str("What the parameter means.")),
            Property("required", .boolean(description: "Whether a value must be given."), default: false),
            Property("default", .any(description: "The value when none is given; must match the type.")),
            Property(
                "pattern",
                str(
                    "A regular expression the whole string value (each element, for a `list`) must match, from the linear-time subset in docs/TEMPLATES.md. For `string` and `list` parameters only.",
                    max: ParameterPattern.maxLength)),
            Property(
                "values",
                .array(
                    ArraySchema(
                        "The allowed values, for `enum` (and only `enum`).",
                        items: str("A value.", max: ParameterPattern.maxInputLength),
                        minItems: 1, maxItems: SchemaLimits.enumValues, uniqueItems: true))),
        ],
        conditionals: [Conditional(when: "type", equals: "enum", require: ["values"])])

    static let retry = ObjectSchema(
        "retry policy", "How a failed step is retried.",
        properties: [
            Property("maxAttempts", int("Attempts in all, including the first.", min: 1, max: 100), default: 1),
            Property("initialBackoff", duration("Wait before the second attempt.", .retryBackoff), default: "1s"),
            Property(
                "multiplier", .number(NumberSchema("Each wait is the previous times this.", minimum: 1, maximum: 10)),
                default: 2.0),
            Property("maxBackoff", duration("The longest wait between attempts.", .retryBackoff), default: "5m"),
            Property(
                "jitter", .boolean(description: "Whether waits are randomized (full jitter) to spread retries."),
                default: true),
        ])

    static let step = ObjectSchema(
        "step", "One step of a workflow.",
        properties: [
            Property("name", name("The step's name, unique in the template."), required: true),
            Property(
                "type",
                str(
                    "`agent` (an LLM call), `shell` (a command) or `approval` (a board vote).",
                    enumValues: ["agent", "shell", "approval"]), required: true),
            Property("needs", names("Steps that must finish first.", max: SchemaLimits.needs), default: []),
            Property(
                "when",
                str(
                    "A condition on parameters and earlier steps; the step is skipped when false.",
                    max: 2 * TemplateLimits.maxExpressionLength)),
            Property("timeout", duration("The longest one attempt may take.", .stepTimeout), default: "10m"),
            Property(
                "retry", .object(retry),
                default: [
                    "maxAttempts": 1, "initialBackoff": "1s", "multiplier": 2.0, "maxBackoff": "5m", "jitter": true,
                ]),
            Property(
                "continueOnFailure", .boolean(description: "Whether dependents still run when this step fails."),
                default: false),
            Property("role", name("The Role the agent works in, for `agent` steps.")),
            Property(
                "prompt",
                str(
                    "The prompt, with `${{ params.X }}` and `${{ steps.S.output }}` substitutions, for `agent` steps.",
                    max: TemplateLimits.maxTextLength)),
            Property(
                "run",
                str(
                    "The script, for `shell` steps, run by `/bin/sh`; values reach it only through `env`, never substituted into it.",
                    max: TemplateLimits.maxTextLength)),
            Property(
                "env",
                .map(
                    MapSchema(
                        "Environment variables for `shell` steps; values may hold `${{ }}` substitutions.",
                        keyPattern: Patterns.identifier,
                        values: .string(StringSchema("A value.", maxLength: TemplateLimits.maxTextLength)),
                        maxEntries: SchemaLimits.stepEntries))),
            Property(
                "network",
                .array(
                    ArraySchema(
                        "`host:port` destinations a `shell` step connects to through Charter's egress proxy, or an `agent` step's `shell.exec` and `web.fetch` tools reach through it; a Policy's runRules.network must allow them too.",
                        items: str("A `host:port` pattern.", max: 300), maxItems: SchemaLimits.stepEntries,
                        uniqueItems: true))),
            Property(
                "secrets",
                .map(
                    MapSchema(
                        "Secrets a `shell` step receives as environment variables: variable name → secret name (a file in the controller's credentials directory); a Policy's runRules.secrets must grant them.",
                        keyPattern: Patterns.identifier, values: name("A secret name."),
                        maxEntries: SchemaLimits.stepEntries))),
            Property(
                "maxTurns",
                int(
                    "The most model turns an `agent` step's tool loop may take (default \(TemplateStep.defaultMaxTurns)); the step fails when it is reached.",
                    min: 1, max: TemplateStep.maxTurnsLimit)),
            Property(
                "maxTokens",
                int(
                    "The most tokens (input and output, all turns) an `agent` step may use (default \(TemplateStep.defaultMaxTokens)); checked before every turn.",
                    min: 1, max: TemplateStep.maxTokensLimit)),
            Property("board", name("The Board that votes, for `approval` steps.")),
            Property(
                "message",
                str("What the board is asked to approve, for `approval` steps.", max: TemplateLimits.maxTextLength)),
        ],
        conditionals: [
            Conditional(
                when: "type", equals: "agent", require: ["role", "prompt"],
                forbid: ["run", "env", "secrets", "board", "message"]),
            Conditional(
                when: "type", equals: "shell", require: ["run"],
                forbid: ["role", "prompt", "board", "message", "maxTurns", "maxTokens"]),
            Conditional(
                when: "type", equals: "approval", require: ["board"],
                forbid: ["role", "prompt", "run", "env", "network", "secrets", "maxTurns", "maxTokens"]),
        ])

    static let template = ObjectSchema(
        "Template spec", "A parameterized workflow: a DAG of steps.",
        properties: [
            Property("description", str("What the workflow does.")),
            Property(
                "parameters",
                .array(ArraySchema("Typed parameters.", items: .object(parameter), maxItems: SchemaLimits.parameters)),
                default: []),
            Property(
                "steps",
                .array(
                    ArraySchema(
                        "The steps; `needs` orders them.", items: .object(step), minItems: 1,
                        maxItems: SchemaLimits.steps)),
                required: true),
        ])

    static let routine = ObjectSchema(
        "Routine spec", "A template run on a cron schedule.",
        properties: [
            Property("description", str("What the routine is for.")),
            Property(
                "schedule",
                str("A five-field cron expression (Vixie semantics) or a macro such as `@daily`.", max: 256),
                required: true),
            Property(
                "timeZone",
                .string(
                    StringSchema(
                        "IANA time zone of the schedule; the Organization's when absent.", pattern: Patterns.timeZone,
                        maxLength: 100))),
            Property("template", name("The Template to run."), required: true),
            Property(
                "arguments",
                .map(
                    MapSchema(
                        "Values for the template's parameters.", keyPattern: Patterns.identifier,
                        values: .any(description: "A parameter value."), maxEntries: SchemaLimits.parameters))),
            Property("enabled", .boolean(description: "Whether the schedule fires."), default: true),
            Property(
                "concurrencyPolicy",
                str(
                    "When a run is still active at the next tick: `allow` another, `forbid` (skip the tick) or `replace` the active run.",
                    enumValues: ["allow", "forbid", "replace"]), default: "allow"),
            Property(
                "startingDeadline", duration("A missed tick older than this is skipped, not run.", .startingDeadline)),
            Property("priority", int("Higher runs first when capacity is short.", min: -1000, max: 1000), default: 0),
            Property("budget", budget("this routine's runs")),
        ])

    static let limits = ObjectSchema(
        "limits", "Rate limits of the source; absent means unlimited.",
        properties: [
            Property("requestsPerMinute", int("Requests per minute.", min: 1)),
            Property("tokensPerMinute", int("Tokens per minute.", min: 1)),
            Property("requestsPerDay", int("Requests per day.", min: 1)),
            Property("tokensPerDay", int("Tokens per day.", min: 1)),
            Property("concurrentRequests", int("Requests in flight at once.", min: 1)),
        ])

    static let capacitySource = ObjectSchema(
        "CapacitySource spec", "An LLM endpoint with its limits and prices.",
        properties: [
            Property(
                "provider",
                str(
                    "`openai` (any OpenAI-compatible API), `anthropic`, or `offline` (built in, deterministic, no network).",
                    enumValues: ["openai", "anthropic", "offline"]), required: true),
            Property("class", name("The capacity class this source serves; roles ask for a class."), required: true),
            Property(
                "endpoint",
                .string(
                    StringSchema(
                        "Base URL of the API: `http` or `https`, a host, an optional port (1–65535) and path; no user, password, query or fragment.",
                        pattern: Patterns.httpURL, maxLength: SchemaLimits.urlLength))),
            Property("model", str("The model to request.", max: SchemaLimits.shortText), default: "offline"),
            Property(
                "credential",
                secretReference(
                    "credential reference", "Where the API key is found. Never the key itself.", what: "the key")),
            Property("limits", .object(limits), default: .object([:])),
            Property(
                "priority", int("Sources with higher priority are used first.", min: -1000, max: 1000), default: 0),
            Property(
                "pricing",
                .object(
                    ObjectSchema(
                        "pricing", "Prices per million tokens.",
                        properties: [
                            Property(
                                "inputPerMillion",
                                .number(NumberSchema("Price of a million input tokens.", minimum: 0)), default: 0),
                            Property(
                                "outputPerMillion",
                                .number(NumberSchema("Price of a million output tokens.", minimum: 0)), default: 0),
                            Property(
                                "cachedInputPerMillion",
                                .number(NumberSchema("Price of a million cached input tokens.", minimum: 0)), default: 0
                            ),
                        ])),
                default: ["inputPerMillion": 0, "outputPerMillion": 0, "cachedInputPerMillion": 0]),
        ],
        conditionals: [
            Conditional(when: "provider", equals: "openai", require: ["endpoint", "model"]),
            Conditional(when: "provider", equals: "anthropic", require: ["endpoint", "model", "credential"]),
            Conditional(when: "provider", equals: "offline", forbid: ["endpoint", "credential"]),
        ])

    /// The `spec` schema of a kind.
    public static func spec(_ kind: ResourceKind) -> ObjectSchema {
        switch kind {
        case .organization: return organization
        case .person: return person
        case .team: return team
        case .role: return role
        case .board: return board
        case .policy: return policy
        case .template: return template
        case .routine: return routine
        case .capacitySource: return capacitySource
        case .toolServer: return toolServer
        case .notification: return notification
        }
    }

    /// The API version every document carries.
    public static let apiVersion = "charter/v1"

    /// The whole-document schema of a kind, built once.
    public static func document(_ kind: ResourceKind) -> ObjectSchema { documents[kind]! }

    static let documents: [ResourceKind: ObjectSchema] = Dictionary(
        uniqueKeysWithValues: ResourceKind.allCases.map { ($0, makeDocument($0)) })

    static func makeDocument(_ kind: ResourceKind) -> ObjectSchema {
        ObjectSchema(
            "\(kind.rawValue) document", spec(kind).description,
            properties: [
                Property(
                    "apiVersion", .string(StringSchema("Always `charter/v1`.", enumValues: [apiVersion])),
                    required: true),
                Property(
                    "kind", .string(StringSchema("The resource kind.", enumValues: [kind.rawValue])), required: true),
                Property("metadata", .object(metadata), required: true),
                Property("spec", .object(spec(kind)), required: true),
            ])
    }
}

extension Schema {
    /// The same string schema without a minimum length, for values that may be empty.
    var allowingEmpty: Schema {
        if case .string(var s) = self {
            s.minLength = nil
            return .string(s)
        }
        return self
    }
}
