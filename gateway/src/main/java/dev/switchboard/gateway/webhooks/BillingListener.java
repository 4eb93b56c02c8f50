package dev.switchboard.gateway.webhooks;

import dev.switchboard.gateway.store.Batches;
import java.sql.SQLException;
import java.util.List;

/**
 * Hears about statuses whose {@code pricing} says Meta bills the message, inside the transaction
 * that applies them: what the listener writes commits with the statuses and the journal's
 * processed flags, so a crash can neither apply a status and lose its charge nor charge it twice
 * on replay. The webhook path knows nothing of what is done with them (campaigns count spend).
 */
@FunctionalInterface
public interface BillingListener {
    /**
     * A message's billable status: our id (null when the status named only the wamid), Meta's
     * wamid, the channel the payload named, the recipient and the pricing category
     * ({@code marketing}, {@code utility}, …). At most one per message per call.
     */
    record Billable(String messageId, String wamid, String channelId, String recipient, String category) {}

    void billed(Batches batches, List<Billable> billable) throws SQLException;

    BillingListener NONE = (b, billable) -> { };
}
