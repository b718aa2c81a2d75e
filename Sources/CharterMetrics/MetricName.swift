/// Every metric Charter records, by name: Prometheus style, `charter_` first, the unit in the
/// name, `_total` on counters. docs/OPERATIONS.md ("Metrics") lists each one's type, labels and
/// meaning; keep the two together.
public enum MetricName {
    // Reconcile passes (CharterControl's `Controller`).
    /// Counter, `result`: `success`, `stalled` or `failure`.
    public static let reconcilePasses = "charter_reconcile_passes_total"
    /// Histogram (Timer) of a pass's duration, write-back included.
    public static let reconcilePassDuration = "charter_reconcile_pass_duration_seconds"
    /// Gauge: when the last pass ended (success, stalled or failure), in Unix seconds.
    public static let reconcileLastPass = "charter_reconcile_last_pass_timestamp_seconds"

    // Proposals and votes.
    /// Gauge, `state`: proposals in each ``ProposalState``-like state, read from the store at scrape time.
    public static let proposals = "charter_proposals"
    /// Counter: votes a pass recorded as counting.
    public static let votesCounted = "charter_votes_counted_total"
    /// Counter, `reason` (``VoteRefusalReason``): votes a pass recorded as refused.
    public static let votesRefused = "charter_votes_refused_total"

    // Runs and steps (CharterEngine).
    /// Gauge, `state`: runs in each state, read from `runs.sqlite` at scrape time.
    public static let runs = "charter_runs"
    /// Gauge, `state`: steps in each state, read from `runs.sqlite` at scrape time.
    public static let steps = "charter_steps"
    /// Counter, `state` (`succeeded`, `failed`, `cancelled`): runs that finished in this process.
    public static let runsFinished = "charter_runs_finished_total"
    /// Histogram (Timer), `state`: from a run's start to its end.
    public static let runDuration = "charter_run_duration_seconds"
    /// Counter, `type`, `state`: steps that finished in this process.
    public static let stepsFinished = "charter_steps_finished_total"
    /// Histogram (Timer), `type`, `state`: from a step's last start to its end.
    public static let stepDuration = "charter_step_duration_seconds"
    /// Gauge: steps ready to start and waiting for a slot (the engine's queue depth).
    public static let engineReadySteps = "charter_engine_ready_steps"
    /// Gauge: steps executing now.
    public static let engineRunningSteps = "charter_engine_running_steps"
    /// Gauge: runs the engine holds in memory (not over).
    public static let engineActiveRuns = "charter_engine_active_runs"

    // The capacity broker (CharterBroker).
    /// Counter, `source`, `outcome`: attempts at a source and calls refused before any (`source="none"`).
    public static let brokerCalls = "charter_broker_calls_total"
    /// Counter, `source`, `direction` (`input`, `output`): tokens charged.
    public static let brokerTokens = "charter_broker_tokens_total"
    /// Counter, `source`: cost charged, in USD.
    public static let brokerCost = "charter_broker_cost_usd_total"
    /// Counter: calls that found no capacity at once and waited in the broker's queue.
    public static let brokerWaits = "charter_broker_capacity_waits_total"
    /// Histogram (Timer): how long a queued call waited (admitted, refused or cancelled).
    public static let brokerWaitDuration = "charter_broker_capacity_wait_seconds"
    /// Gauge: calls waiting in the broker's queue now (scrape time).
    public static let brokerQueued = "charter_broker_queued_calls"
    /// Counter, `source`, `reason` (the provider error's kind): cooldowns a failure started.
    public static let brokerCooldowns = "charter_broker_cooldowns_total"
    /// Gauge, `scope` (`organization`, `role`, `routine`), `name`: tokens left in today's budget.
    public static let budgetRemainingTokens = "charter_broker_budget_remaining_tokens"
    /// Gauge, `scope`, `name`: cost left in today's budget, in USD.
    public static let budgetRemainingCost = "charter_broker_budget_remaining_usd"

    // Webhooks (CharterServer).
    /// Counter, `result` (`accepted`, `refused`), `reason`: push webhook deliveries.
    public static let webhookDeliveries = "charter_webhook_deliveries_total"

    // Notifications.
    /// Counter, `sink`: notifications delivered.
    public static let notificationsSent = "charter_notifications_sent_total"
    /// Counter, `sink`, `reason` (``NotificationFailureReason``): notifications that could not be delivered.
    public static let notificationsFailed = "charter_notifications_failed_total"

    /// Histogram buckets, in seconds, for the durations above that the backend's defaults (5 ms to
    /// 10 s) do not suit: passes and LLM waits take seconds, runs and steps minutes.
    public static let durationBuckets: [String: [Double]] = [
        reconcilePassDuration: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
        runDuration: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600],
        stepDuration: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
        brokerWaitDuration: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    ]

    /// One line of `# HELP` per metric, for the exposition.
    public static let help: [String: String] = [
        reconcilePasses: "Reconcile passes by result (success, stalled, failure).",
        reconcilePassDuration: "Duration of reconcile passes, write-back included.",
        reconcileLastPass: "When the last reconcile pass ended, in Unix seconds.",
        proposals: "Proposals in the store by state.",
        votesCounted: "Votes recorded as counting.",
        votesRefused: "Votes recorded as refused, by reason.",
        runs: "Runs in runs.sqlite by state.",
        steps: "Steps in runs.sqlite by state.",
        runsFinished: "Runs finished by this process, by final state.",
        runDuration: "Duration of finished runs, from start to end.",
        stepsFinished: "Steps finished by this process, by type and final state.",
        stepDuration: "Duration of finished steps, from their last start to their end.",
        engineReadySteps: "Steps ready to start and waiting for a slot.",
        engineRunningSteps: "Steps executing now.",
        engineActiveRuns: "Runs the engine holds in memory.",
        brokerCalls: "LLM call attempts by source and outcome; source none for calls refused before any source.",
        brokerTokens: "Tokens charged by source and direction (input, output).",
        brokerCost: "Cost charged by source, in USD.",
        brokerWaits: "Calls that found no capacity at once and waited in the broker queue.",
        brokerWaitDuration: "How long queued calls waited for capacity.",
        brokerQueued: "Calls waiting in the broker queue now.",
        brokerCooldowns: "Cooldowns started by a source failure, by source and error kind.",
        budgetRemainingTokens: "Tokens left in today's budget, by scope and name.",
        budgetRemainingCost: "Cost left in today's budget, in USD, by scope and name.",
        webhookDeliveries: "Push webhook deliveries by result and reason.",
        notificationsSent: "Notifications delivered, by sink.",
        notificationsFailed: "Notifications not delivered, by sink and reason.",
    ]
}
