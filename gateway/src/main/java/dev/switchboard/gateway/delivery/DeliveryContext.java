package dev.switchboard.gateway.delivery;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.gateway.config.SwitchboardConfig;
import dev.switchboard.gateway.store.GroupCommitWriter;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.concurrent.ExecutorService;

/**
 * What every endpoint worker shares. Nothing here is per tenant: a worker's own state (its
 * breaker, its in-flight POSTs) lives in the worker, so one endpoint cannot use up another's.
 *
 * @param reads a small pool of platform threads that run the workers' database reads: it bounds
 *              the read connections the delivery path holds, so busy workers cannot starve the APIs
 *              of connections, and keeps JDBC's native calls (SQLite) off the carrier threads that
 *              every virtual thread, HTTP handlers included, runs on
 */
record DeliveryContext(SwitchboardConfig.Delivery config, OutboxStore store, GroupCommitWriter writer, HttpClient client,
                       ObjectMapper json, DeliveryMetrics metrics, Clock clock, ExecutorService reads) {}
