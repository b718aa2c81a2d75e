import CharterModel
import Crypto
import Foundation

/// How one attempt ended, as the engine records it.
enum AttemptOutcome: Sendable {
    case succeeded(output: String, artifacts: [String: ArtifactRecord], details: [String: Value] = [:])
    case failed(
        reason: String, retryable: Bool, details: [String: Value] = [:], artifacts: [String: ArtifactRecord] = [:])
    case suspended(detail: String?)
    /// The attempt's task was cancelled: the run was cancelled, the deadline came, or the engine halted.
    case cancelled
}

/// Runs one attempt off the engine actor, then stores its artifacts, so that the engine only ever
/// sees a finished outcome. Timeouts are the engine's: it cancels the task at the deadline.
enum StepRunner {
    static func run(_ executor: (any StepExecutor)?, _ context: StepContext, artifacts: URL) async -> AttemptOutcome {
        guard let executor else {
            return .failed(reason: "no executor for step type `\(context.step.type)`", retryable: false)
        }
        let result: StepResult
        do {
            result = try await executor.execute(context)
        } catch {
            return Task.isCancelled ? .cancelled : .failed(reason: "\(error)", retryable: true)
        }
        switch result {
        case .succeeded(let output, let produced, let details):
            do {
                return .succeeded(
                    output: output, artifacts: try ArtifactStore.store(produced, in: artifacts), details: details)
            } catch {
                return .failed(reason: "storing artifacts: \(error)", retryable: true)
            }
        case .failed(let reason, let retryable, let details, let produced):
            guard !Task.isCancelled else { return .cancelled }
            // A failure's record is worth keeping, but never worth failing the step differently.
            let stored = (try? ArtifactStore.store(produced, in: artifacts)) ?? [:]
            return .failed(reason: reason, retryable: retryable, details: details, artifacts: stored)
        case .suspended(let detail):
            return .suspended(detail: detail)
        }
    }
}

/// Content-addressed artifact files: `artifacts/<first two hex digits>/<sha256>`.
enum ArtifactStore {
    static func store(_ artifacts: [String: Artifact], in directory: URL) throws -> [String: ArtifactRecord] {
        var records: [String: ArtifactRecord] = [:]
        for (name, artifact) in artifacts {
            let data: Data
            switch artifact {
            case .data(let d): data = d
            case .file(let url): data = try Data(contentsOf: url)
            }
            let hash = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
            let folder = directory.appendingPathComponent(String(hash.prefix(2)), isDirectory: true)
            let file = folder.appendingPathComponent(hash)
            if !FileManager.default.fileExists(atPath: file.path) {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try data.write(to: file, options: .atomic)
            }
            records[name] = ArtifactRecord(sha256: hash, size: data.count, path: file.path)
        }
        return records
    }
}
