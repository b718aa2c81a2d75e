import CharterMCP
import CharterModel
import CharterTools
import Foundation

/// The ToolServers one agent step may use, open, and their tools.
///
/// ```swift
/// let launcher = SandboxedToolServerLauncher(
///     runner: runner, rules: stepRules, workspace: context.workspace, outputDirectory: outputs,
///     runID: context.runID, step: context.step.name)
/// let servers = await StepToolServers.open(
///     Array(actual.toolServers.values), role: role, rules: stepRules, launcher: launcher)
/// var registry = ToolRegistry(ToolRegistry.fileTools)
/// for tool in servers.tools { registry.add(tool) }   // then filter by refusal(ofTool:…) as for any tool
/// defer { Task { await servers.close() } }           // or close after the loop, then read launcher.records
/// ```
///
/// A server is opened only when the step's Role and some Policy can allow one of its tools and no
/// Policy denies them all (``RunRules/mayOfferTools(of:rolePatterns:)``); each tool it lists must
/// still pass ``RunRules/refusal(ofTool:role:rolePatterns:)``. An http server's credential must be
/// granted by the applied Policies (`runRules.secrets`) and is read from the credentials directory
/// when the server is opened. Servers open concurrently; one that fails is left out, and
/// ``failures`` says why, so the step can run with the others (or fail, as its caller decides).
public final class StepToolServers: Sendable {
    /// The servers that opened, by name.
    public let servers: [MCPToolServer]
    /// Why the others did not.
    public let failures: [ToolServerError]

    init(servers: [MCPToolServer], failures: [ToolServerError]) {
        self.servers = servers
        self.failures = failures
    }

    /// Every tool of every open server.
    public var tools: [any AgentTool] { servers.flatMap { $0.tools as [any AgentTool] } }

    /// What the servers' listings skipped or cut, each naming its server.
    public var warnings: [String] {
        servers.flatMap { server in server.warnings.map { "ToolServer `\(server.server.name)`: \($0)" } }
    }

    /// Opens those of `candidates` an agent in `role` may use under `rules` as they are now.
    public static func open(
        _ candidates: [ToolServer], role: Role, rules: StepRules, launcher: any ToolServerLauncher
    ) async -> StepToolServers {
        let applied = rules.current
        let addresses = OutboundAddressRules(organization: rules.organization.organization)
        let chosen = candidates.filter { applied.mayOfferTools(of: $0, rolePatterns: role.tools) }
            .sorted { $0.name < $1.name }
        let results = await withTaskGroup(of: Result<MCPToolServer, ToolServerError>.self) { group in
            for server in chosen {
                group.addTask {
                    do {
                        let credential = try Self.credential(of: server, applied: applied, rules: rules)
                        return .success(
                            try await MCPToolServer.open(
                                server, launcher: launcher, credential: credential, addresses: addresses))
                    } catch let error as ToolServerError {
                        return .failure(error)
                    } catch {
                        return .failure(ToolServerError(server: server.name, "\(error)"))
                    }
                }
            }
            var results: [Result<MCPToolServer, ToolServerError>] = []
            for await result in group { results.append(result) }
            return results
        }
        var servers: [MCPToolServer] = []
        var failures: [ToolServerError] = []
        for result in results {
            switch result {
            case .success(let server): servers.append(server)
            case .failure(let error): failures.append(error)
            }
        }
        return StepToolServers(
            servers: servers.sorted { $0.server.name < $1.server.name },
            failures: failures.sorted { $0.server < $1.server })
    }

    /// Closes every server; calls in flight fail.
    public func close() async {
        await withTaskGroup(of: Void.self) { group in
            for server in servers { group.addTask { await server.close() } }
        }
    }

    /// The value of an http server's credential, once the applied Policies grant it.
    static func credential(of server: ToolServer, applied: RunRules, rules: StepRules) throws -> String? {
        guard case .http(_, let name?) = server.transport else { return nil }
        if let refusal = applied.refusal(ofSecret: name) {
            throw ToolServerError(server: server.name, "its credential is refused: \(refusal)")
        }
        do {
            return try rules.secret(name)
        } catch let error as StepRulesError {
            throw ToolServerError(server: server.name, error.message)
        }
    }
}
