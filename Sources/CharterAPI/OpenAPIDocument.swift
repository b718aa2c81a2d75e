/// The API's contract, `schemas/openapi.yaml`, compiled in (`scripts/embed-openapi.sh` writes
/// this file; a test checks that it matches): `GET /api/v1/openapi.yaml` serves it.
enum OpenAPIDocument {
    static let yaml = ##"""
        openapi: 3.1.0
        info:
          title: Charter controller API
          version: "1"
          summary: Read the organization's applied state, proposals, runs, approvals, costs and events; start and cancel runs; submit signed votes.
          description: |
            Served by `charter controller --http-listen HOST:PORT` under `/api/v1`. Reads need a read
            token, except on a loopback listener; writes always need an operator token
            (`Authorization: Bearer TOKEN`, tokens named by `--read-token-env` and `--operator-token-env`).
            Every JSON view is built by the same code as the CLI's `-o json`. Errors are RFC 9457
            problem details. The API never returns a secret.
          license:
            name: Apache-2.0
            identifier: Apache-2.0
        servers:
          - url: http://127.0.0.1:8080
        security:
          - {}
          - bearer: []
        components:
          securitySchemes:
            bearer:
              type: http
              scheme: bearer
          responses:
            Problem:
              description: What went wrong and what to do.
              content:
                application/problem+json:
                  schema:
                    $ref: "#/components/schemas/Problem"
          parameters:
            Kind:
              name: kind
              in: path
              required: true
              description: A resource kind (Team, team or teams).
              schema:
                type: string
          schemas:
            Problem:
              type: object
              required: [type, title, status, detail]
              properties:
                type: {type: string}
                title: {type: string}
                status: {type: integer}
                detail: {type: string}
            Condition:
              type: object
              required: [type, status, reason, message, lastTransitionTime]
              properties:
                type: {type: string, enum: [Ready, Reconciling, Stalled]}
                status: {type: string, enum: ["True", "False"]}
                reason: {type: string}
                message: {type: string}
                lastTransitionTime: {type: string}
            Status:
              type: object
              required: [appliedRevision, pending, recentApplies]
              properties:
                appliedRevision: {type: [string, "null"]}
                appliedBy: {type: [string, "null"]}
                appliedMethod: {type: [string, "null"]}
                observedRevision: {type: [string, "null"]}
                lastPassAt: {type: string}
                conditions:
                  type: array
                  items: {$ref: "#/components/schemas/Condition"}
                pending:
                  type: array
                  items:
                    type: object
                    required: [id, state, changes, explanation]
                    properties:
                      id: {type: string}
                      state: {type: string}
                      changes: {type: integer}
                      explanation: {type: string}
                recentApplies:
                  type: array
                  items:
                    type: object
                    required: [sequence, revision, method, actor, changes]
                    properties:
                      sequence: {type: integer}
                      revision: {type: string}
                      method: {type: string}
                      actor: {type: string}
                      changes: {type: integer}
            Resource:
              type: object
              required: [apiVersion, kind, metadata, spec]
              properties:
                apiVersion: {type: string}
                kind: {type: string}
                metadata:
                  type: object
                  required: [name]
                  properties:
                    name: {type: string}
                spec: {type: object}
            Proposal:
              type: object
              required: [id, state, changeSetHash, changes, votes, history]
              properties:
                id: {type: string, pattern: "^P-[0-9]{4,}$"}
                state: {type: string, enum: [open, approved, rejected, superseded, applied, failed]}
                changeSetHash: {type: string}
                changes: {type: array}
                votes: {type: array}
                history: {type: array}
                plan: {type: object, description: "The plan as `charter plan -o json` shows it (docs/PLAN-JSON.md)."}
                vote: {type: string, description: "The `charter vote` command to copy."}
            RunSummary:
              type: object
              required: [id, template, routine, state, createdAt, finishedAt]
              properties:
                id: {type: string}
                template: {type: string}
                routine: {type: [string, "null"]}
                state: {type: string, enum: [pending, running, succeeded, failed, cancelled]}
                createdAt: {type: string}
                finishedAt: {type: [string, "null"]}
            Approval:
              type: object
              required: [key, run, step, board, message, hash, vote]
              properties:
                key: {type: string, description: "RUN/STEP or RUN/STEP/CALL: the vote document's `proposal`."}
                run: {type: string}
                step: {type: string}
                call: {type: [string, "null"]}
                tool: {type: [string, "null"]}
                arguments: {type: [string, "null"]}
                board: {type: string}
                message: {type: string}
                hash: {type: string, description: "What a vote must bind to (its `changeSetHash`)."}
                deadline: {type: [string, "null"]}
                vote: {type: string}
            CostRow:
              type: object
              required: [calls, failures, refused, inputTokens, outputTokens, cachedInputTokens, reasoningTokens, costMicroUSD, cost, estimatedCalls]
              properties:
                calls: {type: integer}
                failures: {type: integer}
                refused: {type: integer}
                inputTokens: {type: integer}
                outputTokens: {type: integer}
                cachedInputTokens: {type: integer}
                reasoningTokens: {type: integer}
                costMicroUSD: {type: integer}
                cost: {type: string}
                estimatedCalls: {type: integer}
            Event:
              type: object
              description: One event of the hash-chained log, as in the status branch's events files.
              required: [seq, id, type, time, actor, data, prev, hash]
              properties:
                seq: {type: integer, description: "Its sequence number: pass it as `after` to read on."}
                id: {type: string}
                type: {type: string}
                time: {type: string}
                actor: {type: string}
                data: {}
                prev: {type: string, description: "The previous event's hash."}
                hash: {type: string}
        paths:
          /api/v1/openapi.yaml:
            get:
              operationId: getOpenAPI
              summary: This document.
              responses:
                "200":
                  description: The OpenAPI document.
                  content:
                    application/yaml: {}
                "401": {$ref: "#/components/responses/Problem"}
          /api/v1/status:
            get:
              operationId: getStatus
              summary: The applied revision, open proposals, recent applies and the last pass's conditions.
              responses:
                "200":
                  description: Status.
                  content:
                    application/json:
                      schema: {$ref: "#/components/schemas/Status"}
                "401": {$ref: "#/components/responses/Problem"}
          /api/v1/resources:
            get:
              operationId: countResources
              summary: How many applied resources of each kind.
              responses:
                "200":
                  description: Counts by kind.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [kinds]
                        properties:
                          kinds:
                            type: object
                            additionalProperties: {type: integer}
                "401": {$ref: "#/components/responses/Problem"}
          /api/v1/resources/{kind}:
            get:
              operationId: listResources
              summary: The applied resources of a kind, normalized (defaults applied).
              parameters:
                - $ref: "#/components/parameters/Kind"
              responses:
                "200":
                  description: Resources, by name.
                  content:
                    application/json:
                      schema:
                        type: array
                        items: {$ref: "#/components/schemas/Resource"}
                "401": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/resources/{kind}/{name}:
            get:
              operationId: getResource
              summary: One applied resource.
              parameters:
                - $ref: "#/components/parameters/Kind"
                - name: name
                  in: path
                  required: true
                  schema: {type: string}
              responses:
                "200":
                  description: The resource.
                  content:
                    application/json:
                      schema: {$ref: "#/components/schemas/Resource"}
                "401": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/proposals:
            get:
              operationId: listProposals
              summary: Proposals, newest last, optionally in one state.
              parameters:
                - name: state
                  in: query
                  schema: {type: string, enum: [open, approved, rejected, superseded, applied, failed]}
              responses:
                "200":
                  description: Proposals with their boards, votes (counted and refused, with reasons) and history.
                  content:
                    application/json:
                      schema:
                        type: array
                        items: {$ref: "#/components/schemas/Proposal"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
          /api/v1/proposals/{id}:
            get:
              operationId: getProposal
              summary: One proposal with its plan and the vote command.
              parameters:
                - name: id
                  in: path
                  required: true
                  schema: {type: string}
              responses:
                "200":
                  description: The proposal.
                  content:
                    application/json:
                      schema: {$ref: "#/components/schemas/Proposal"}
                "401": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/runs:
            get:
              operationId: listRuns
              summary: Runs, newest first.
              parameters:
                - name: routine
                  in: query
                  schema: {type: string}
                - name: state
                  in: query
                  schema: {type: string, enum: [pending, running, succeeded, failed, cancelled]}
                - name: limit
                  in: query
                  schema: {type: integer, minimum: 1, maximum: 1000, default: 50}
              responses:
                "200":
                  description: Runs.
                  content:
                    application/json:
                      schema:
                        type: array
                        items: {$ref: "#/components/schemas/RunSummary"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
            post:
              operationId: startRun
              summary: Record a run of a template or a routine; the controller executes it.
              security:
                - bearer: []
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      additionalProperties: false
                      description: A template with its parameters, or a routine (whose arguments come from its YAML).
                      properties:
                        template: {type: string}
                        routine: {type: string}
                        parameters:
                          type: object
                          additionalProperties: {type: string}
                      oneOf:
                        - required: [template]
                          not: {required: [routine]}
                        - required: [routine]
                          not:
                            anyOf:
                              - required: [template]
                              - required: [parameters]
              responses:
                "201":
                  description: Recorded.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [id, state]
                        properties:
                          id: {type: string}
                          state: {type: string}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "403": {$ref: "#/components/responses/Problem"}
                "413": {$ref: "#/components/responses/Problem"}
                "422": {$ref: "#/components/responses/Problem"}
          /api/v1/runs/{id}:
            get:
              operationId: getRun
              summary: A run with its steps, attempts, durations, usage, agent turns and tool calls.
              parameters:
                - name: id
                  in: path
                  required: true
                  schema: {type: string}
              responses:
                "200":
                  description: The run (the shape of runs/RUN/summary.yaml on the status branch).
                  content:
                    application/json:
                      schema: {type: object}
                "401": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/runs/{id}/events:
            get:
              operationId: getRunEvents
              summary: A run's events, oldest first.
              parameters:
                - name: id
                  in: path
                  required: true
                  schema: {type: string}
              responses:
                "200":
                  description: Events.
                  content:
                    application/json:
                      schema: {type: array, items: {type: object}}
                "401": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
          /api/v1/runs/{id}/cancel:
            post:
              operationId: cancelRun
              summary: Request a run's cancellation.
              security:
                - bearer: []
              parameters:
                - name: id
                  in: path
                  required: true
                  schema: {type: string}
              responses:
                "202":
                  description: Requested; the executing process cancels the run within a moment.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [id, cancellation]
                        properties:
                          id: {type: string}
                          cancellation: {type: string}
                "401": {$ref: "#/components/responses/Problem"}
                "403": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
                "413": {$ref: "#/components/responses/Problem"}
          /api/v1/approvals:
            get:
              operationId: listApprovals
              summary: Approval steps and agent tool calls waiting for their boards.
              responses:
                "200":
                  description: Waiting approvals.
                  content:
                    application/json:
                      schema:
                        type: array
                        items: {$ref: "#/components/schemas/Approval"}
                "401": {$ref: "#/components/responses/Problem"}
          /api/v1/costs:
            get:
              operationId: getCosts
              summary: LLM usage and cost grouped like `charter cost`.
              parameters:
                - name: by
                  in: query
                  schema: {type: string, enum: [day, role, routine, source], default: day}
                - name: since
                  in: query
                  description: An RFC 3339 time.
                  schema:
                    type: string
                    format: date-time
                    pattern: "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
              responses:
                "200":
                  description: One row per group; the group's key is under the grouping's name.
                  content:
                    application/json:
                      schema:
                        type: array
                        items: {$ref: "#/components/schemas/CostRow"}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
          /api/v1/events:
            get:
              operationId: getEvents
              summary: The governance event log; with follow=true, a Server-Sent Events stream.
              parameters:
                - name: after
                  in: query
                  schema: {type: integer, minimum: 0, maximum: 9223372036854775807, default: 0}
                - name: limit
                  in: query
                  schema: {type: integer, minimum: 1, maximum: 5000, default: 500}
                - name: follow
                  in: query
                  schema: {type: string, enum: ["true", "false"], default: "false"}
                  description: "`true` streams events as they are appended, as Server-Sent Events (`id:` the sequence number, `event:` the type, `data:` the event); the request must send `Accept: text/event-stream`."
              responses:
                "200":
                  description: Events after `after`, oldest first.
                  content:
                    application/json:
                      schema:
                        type: array
                        items: {$ref: "#/components/schemas/Event"}
                    text/event-stream: {}
                "400": {$ref: "#/components/responses/Problem"}
                "406": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
          /api/v1/votes:
            post:
              operationId: submitVote
              summary: Submit a vote document signed by the client; verified like `charter vote`'s and committed to the status branch.
              security:
                - bearer: []
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      required: [proposal, changeSetHash, decision, voter, time]
                      properties:
                        proposal: {type: string}
                        changeSetHash: {type: string}
                        decision: {type: string, enum: [approve, reject, abstain]}
                        voter: {type: string}
                        time: {type: string}
                        comment: {type: string}
                        signature: {type: string}
              responses:
                "202":
                  description: Valid and committed; the next pass counts it.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [path, subject]
                        properties:
                          path: {type: string}
                          subject: {type: string}
                "400": {$ref: "#/components/responses/Problem"}
                "401": {$ref: "#/components/responses/Problem"}
                "403": {$ref: "#/components/responses/Problem"}
                "404": {$ref: "#/components/responses/Problem"}
                "413": {$ref: "#/components/responses/Problem"}
                "422": {$ref: "#/components/responses/Problem"}

        """##
}
