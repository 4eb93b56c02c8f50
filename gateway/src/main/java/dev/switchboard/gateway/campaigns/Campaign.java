package dev.switchboard.gateway.campaigns;

import java.util.List;
import java.util.Map;

/**
 * One campaign as stored: what to send (template, mapping), to whom (audience), from where
 * (channel or pool), its lifecycle state and how far its expansion got. {@code templateCategory}
 * is the category its template had when it started (or was last resumed): null before.
 */
public record Campaign(String id, String tenantId, String name, String templateName, String templateLanguage, String audienceId,
                       TemplateMapping parameters, String channelId, List<String> channelPool, String lane, Long startAt, State state, String stateReason,
                       long targeted, long expanded, String cursorPhone, boolean exhausted, long createdAt, long updatedAt,
                       String templateCategory) {

    /** draft → scheduled → running ⇄ paused → completed / cancelled. */
    public enum State {
        DRAFT, SCHEDULED, RUNNING, PAUSED, COMPLETED, CANCELLED;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        static State parse(String s) {
            return valueOf(s.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /** One parameter's value: a contact variable (with an optional default) or a fixed text. */
    public record Param(String variable, String defaultValue, String text) {
        /** The value for a contact, or null when the contact lacks it and there is no default. */
        String valueFor(Map<String, String> variables) {
            if (text != null) {
                return text;
            }
            String v = variables == null ? null : variables.get(variable);
            return v == null || v.isBlank() ? defaultValue : v;
        }
    }

    Campaign with(State s, long now) {
        return new Campaign(id, tenantId, name, templateName, templateLanguage, audienceId, parameters, channelId, channelPool, lane,
                startAt, s, null, targeted, expanded, cursorPhone, exhausted, createdAt, now, templateCategory);
    }
}
