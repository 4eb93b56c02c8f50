package dev.switchboard.gateway.delivery;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.store.GroupCommitWriter;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.concurrent.Semaphore;

/**
 * What every endpoint worker shares. Nothing here is per tenant: a worker's own state (its
 * breaker, its in-flight POSTs) lives in the worker, so one endpoint cannot use up another's.
 *
 * @param reads bounds how many pooled read connections the delivery path holds at once, so a
 *              crowd of busy workers cannot starve the APIs of connections
 */
record DeliveryContext(SwitchboardConfig.Delivery config, OutboxStore store, GroupCommitWriter writer, HttpClient client,
                       ObjectMapper json, DeliveryMetrics metrics, Clock clock, Semaphore reads) {}
