import CharterFoundation
import CharterTestSupport
import Foundation
import Testing

/// `schemas/openapi.yaml` is the API's contract: it is a valid OpenAPI 3.1 document
/// (openapi-spec-validator), the server serves exactly it, and schemathesis, fuzzing a live
/// controller from it — anonymously and with an operator token — finds no answer that breaks it.
@Suite(.serialized) struct OpenAPIContractTests {
    static let contract = GitFixture.exampleRepo.deletingLastPathComponent().appendingPathComponent(
        "schemas/openapi.yaml")
    static let configuration = GitFixture.exampleRepo.deletingLastPathComponent()
        .appendingPathComponent("schemas/schemathesis.toml")
    static let operatorToken = "operator-fuzz-0123456789abcdef0123456789"

    @Test func theDocumentIsValidOpenAPI() throws {
        let result = try ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-m", "openapi_spec_validator", Self.contract.path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    @Test func aLiveControllerServesItAndKeepsItUnderFuzzing() async throws {
        let repo = try exampleClone()
        let charter = CharterBinary()
        try charter.run(["apply", "--bootstrap", repo.root.path])
        let controller = try ControllerProcess(
            charter,
            [
                repo.root.path, "--interval", "1h", "--http-listen", "127.0.0.1:0", "--operator-token-env",
                "OPERATOR_TOKEN",
            ],
            environment: ["OPERATOR_TOKEN": Self.operatorToken])
        let port = try await controller.webhookPort()
        try await controller.waitForLine(containing: "ready: the first pass completed")

        let served = try #require(try await RawConnection.exchange("GET", "/api/v1/openapi.yaml", port: port))
        #expect(served.body == (try String(contentsOf: Self.contract, encoding: .utf8)), "run scripts/embed-openapi.sh")

        let scratch = makeTemporaryDirectory("schemathesis")
        for headers in [[], ["-H", "Authorization: Bearer \(Self.operatorToken)"]] {
            let arguments =
                [
                    "--config-file", Self.configuration.path, "run", Self.contract.path, "--url",
                    "http://127.0.0.1:\(port)",
                    "--max-examples", "25", "--seed", "20261205", "--no-color",
                ] + headers
            let result = try await onOwnThread {
                // From a scratch directory: schemathesis keeps a cache under the working directory.
                // Through python3, which `make deps` installed it for, not a PATH entry pip may not have made.
                try ProcessRunner.run(
                    URL(fileURLWithPath: "/usr/bin/env"),
                    [
                        "python3", "-c",
                        "import sys; from schemathesis.cli import schemathesis; sys.argv[0] = 'st'; schemathesis()",
                    ]
                        + arguments, directory: scratch)
            }
            #expect(result.status == 0, "\(result.stdout.suffix(4000))")
        }
        controller.send(SIGTERM)
        #expect(try await controller.exitStatus() == 0)
    }
}
