package dev.switchboard.gateway.outbound;

import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.events.EventLog;
import dev.switchboard.gateway.messages.MessageStore;
import dev.switchboard.gateway.store.GroupCommitWriter;
import dev.switchboard.gateway.tenancy.Tenancy;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Clock;

/**
 * What every channel worker shares: storage, the writers, the provider client, policies, meters.
 * {@code expressWriter} takes the HIGH lane's claims and settlements (on SQLite it is
 * {@code writer} itself, where its express queue does the job). {@code failures} tells the
 * listeners of {@link Outbound#onMetaFailure} what Meta refused.
 */
record OutboundContext(
        SwitchboardConfig.Sending config,
        MessageStore store,
        GroupCommitWriter writer,
        GroupCommitWriter expressWriter,
        CloudApiClient client,
        Tenancy tenancy,
        RetryPolicy retryPolicy,
        CircuitBreakerRegistry breakers,
        SendPathMetrics metrics,
        SendGate gate,
        EventLog events,
        Clock clock,
        MetaFailure.Listener failures) {}
