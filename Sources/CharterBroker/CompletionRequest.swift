/// One message of a conversation sent to a model.
public struct CompletionMessage: Sendable, Hashable, Codable {
    /// Who wrote a message. System text is not a message: see ``CompletionRequest/system``.
    public enum Role: String, Sendable, Hashable, Codable {
        case user, assistant
    }

    /// Who wrote the message.
    public var role: Role
    /// The message text.
    public var content: String

    /// A message from `role`.
    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }

    /// A user message.
    public static func user(_ content: String) -> CompletionMessage { CompletionMessage(role: .user, content: content) }
    /// An assistant message (an earlier answer, for multi-turn prompts).
    public static func assistant(_ content: String) -> CompletionMessage {
        CompletionMessage(role: .assistant, content: content)
    }
}

/// Who is asking, for accounting and for the run record; providers do not send it to the model.
public struct CompletionMetadata: Sendable, Hashable, Codable {
    /// The run the step belongs to.
    public var runID: String?
    /// The step's name within its workflow.
    public var step: String?
    /// The Role the agent acts in (its budget is charged).
    public var role: String?
    /// The Person (agent) doing the work.
    public var person: String?
    /// 1 for the first try, then 2, 3… on retries.
    public var attempt: Int

    /// Metadata; every field is optional except the attempt number.
    public init(runID: String? = nil, step: String? = nil, role: String? = nil, person: String? = nil, attempt: Int = 1)
    {
        self.runID = runID
        self.step = step
        self.role = role
        self.person = person
        self.attempt = attempt
    }
}

/// A request for one completion, independent of any provider's wire format.
public struct CompletionRequest: Sendable, Hashable, Codable {
    /// The capacity class asked for (a CapacitySource `class`, such as `standard`); the broker picks
    /// a source serving it.
    public var modelClass: String
    /// A specific model, when the role names one; otherwise the chosen source's model.
    public var model: String?
    /// System instructions (the role's system prompt), sent the way each provider expects.
    public var system: String?
    /// The conversation, oldest first; normally one user message.
    public var messages: [CompletionMessage]
    /// The most tokens the answer may use.
    public var maxOutputTokens: Int
    /// Sampling temperature; `nil` leaves the provider's default.
    public var temperature: Double?
    /// Who is asking.
    public var metadata: CompletionMetadata
    /// Identifies this logical request across retries and controller restarts, so a finished
    /// completion is not paid for twice (the engine derives it from run, step and attempt).
    public var idempotencyKey: String?

    /// A request with a whole conversation.
    public init(
        modelClass: String, model: String? = nil, system: String? = nil, messages: [CompletionMessage],
        maxOutputTokens: Int = 1024, temperature: Double? = nil, metadata: CompletionMetadata = CompletionMetadata(),
        idempotencyKey: String? = nil
    ) {
        self.modelClass = modelClass
        self.model = model
        self.system = system
        self.messages = messages
        self.maxOutputTokens = maxOutputTokens
        self.temperature = temperature
        self.metadata = metadata
        self.idempotencyKey = idempotencyKey
    }

    /// A request with a single user message.
    public init(
        modelClass: String, model: String? = nil, system: String? = nil, prompt: String, maxOutputTokens: Int = 1024,
        temperature: Double? = nil, metadata: CompletionMetadata = CompletionMetadata(), idempotencyKey: String? = nil
    ) {
        self.init(
            modelClass: modelClass, model: model, system: system, messages: [.user(prompt)],
            maxOutputTokens: maxOutputTokens, temperature: temperature, metadata: metadata,
            idempotencyKey: idempotencyKey)
    }

    /// The text of the last user message: what the request asks about now.
    public var prompt: String { messages.last { $0.role == .user }?.content ?? "" }
}
