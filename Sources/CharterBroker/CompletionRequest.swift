/// One message of a conversation sent to a model.
public struct CompletionMessage: Sendable, Hashable, Codable {
    /// Who wrote a message. System text is not a message: see ``CompletionRequest/system``.
    public enum Role: String, Sendable, Hashable, Codable {
        /// The person (or the step's prompt).
        case user
        /// The model: its earlier answers, with the tool calls it asked for.
        case assistant
        /// The result of one tool call, answering the assistant message that asked for it.
        case tool
    }

    /// Who wrote the message.
    public var role: Role
    /// The message text; for a ``Role/tool`` message, the tool's result.
    public var content: String
    /// The tools an ``Role/assistant`` message called, in the order the model wrote them.
    public var toolCalls: [ToolCall]
    /// For a ``Role/tool`` message: the ``ToolCall/id`` it answers.
    public var toolCallID: String?
    /// For a ``Role/tool`` message: the call failed or was refused (Anthropic's `is_error`).
    public var isError: Bool

    /// A message from `role`.
    public init(
        role: Role, content: String, toolCalls: [ToolCall] = [], toolCallID: String? = nil, isError: Bool = false
    ) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
        self.isError = isError
    }

    /// A user message.
    public static func user(_ content: String) -> CompletionMessage { CompletionMessage(role: .user, content: content) }
    /// An assistant message (an earlier answer, for multi-turn prompts), with the tools it called.
    public static func assistant(_ content: String, toolCalls: [ToolCall] = []) -> CompletionMessage {
        CompletionMessage(role: .assistant, content: content, toolCalls: toolCalls)
    }
    /// The result of the tool call `id`; `isError` when it failed or was refused.
    public static func tool(id: String, content: String, isError: Bool = false) -> CompletionMessage {
        CompletionMessage(role: .tool, content: content, toolCallID: id, isError: isError)
    }

    private enum CodingKeys: String, CodingKey { case role, content, toolCalls, toolCallID, isError }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        role = try container.decode(Role.self, forKey: .role)
        content = try container.decode(String.self, forKey: .content)
        toolCalls = try container.decodeIfPresent([ToolCall].self, forKey: .toolCalls) ?? []
        toolCallID = try container.decodeIfPresent(String.self, forKey: .toolCallID)
        isError = try container.decodeIfPresent(Bool.self, forKey: .isError) ?? false
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
    /// The conversation, oldest first; normally one user message, and in an agent loop the
    /// assistant's tool calls and the tools' results after it.
    public var messages: [CompletionMessage]
    /// The tools the model may call; empty for a plain completion.
    public var tools: [ToolDefinition]
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
        tools: [ToolDefinition] = [], maxOutputTokens: Int = 1024, temperature: Double? = nil,
        metadata: CompletionMetadata = CompletionMetadata(), idempotencyKey: String? = nil
    ) {
        self.modelClass = modelClass
        self.model = model
        self.system = system
        self.messages = messages
        self.tools = tools
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

    private enum CodingKeys: String, CodingKey {
        case modelClass, model, system, messages, tools, maxOutputTokens, temperature, metadata, idempotencyKey
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        modelClass = try container.decode(String.self, forKey: .modelClass)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        system = try container.decodeIfPresent(String.self, forKey: .system)
        messages = try container.decode([CompletionMessage].self, forKey: .messages)
        tools = try container.decodeIfPresent([ToolDefinition].self, forKey: .tools) ?? []
        maxOutputTokens = try container.decode(Int.self, forKey: .maxOutputTokens)
        temperature = try container.decodeIfPresent(Double.self, forKey: .temperature)
        metadata = try container.decode(CompletionMetadata.self, forKey: .metadata)
        idempotencyKey = try container.decodeIfPresent(String.self, forKey: .idempotencyKey)
    }

    /// The text of the last user message: what the request asks about now.
    public var prompt: String { messages.last { $0.role == .user }?.content ?? "" }
}
