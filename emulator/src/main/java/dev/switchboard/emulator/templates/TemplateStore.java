package dev.switchboard.emulator.templates;

import dev.switchboard.emulator.TemplateDef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Templates per WABA, keyed by (name, language) as Meta keys them. Every known WABA starts with
 * the default set; configured templates are layered on top (a {@code "*"} WABA applies to all).
 * Status changes arrive through {@code message_template_status_update} events.
 */
public final class TemplateStore {
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, TemplateDef>> byWaba = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(2_000_000_000_000_000L);

    public TemplateStore(List<String> wabaIds, List<TemplateDef> configured) {
        load(wabaIds, configured);
    }

    public synchronized void load(List<String> wabaIds, List<TemplateDef> configured) {
        byWaba.clear();
        for (String waba : wabaIds) {
            ConcurrentHashMap<String, TemplateDef> map = byWaba.computeIfAbsent(waba, w -> new ConcurrentHashMap<>());
            TemplateDef.defaults(waba).forEach(t -> map.put(key(t.name(), t.language()), t));
        }
        for (TemplateDef t : configured) {
            if ("*".equals(t.wabaId())) {
                for (String waba : wabaIds) {
                    put(t.inWaba(waba));
                }
            } else {
                put(t);
            }
        }
    }

    public void put(TemplateDef t) {
        byWaba.computeIfAbsent(t.wabaId(), w -> new ConcurrentHashMap<>()).put(key(t.name(), t.language()), t);
    }

    /** A fresh numeric id for a template created through the API. */
    public String nextId() {
        return Long.toString(nextId.incrementAndGet());
    }

    /** Adds a template unless one with its name and language exists; false when it does. */
    public boolean create(TemplateDef t) {
        return byWaba.computeIfAbsent(t.wabaId(), w -> new ConcurrentHashMap<>()).putIfAbsent(key(t.name(), t.language()), t) == null;
    }

    /**
     * Deletes by name (every language), or only the template with {@code id} when given, which
     * must carry that name. Returns what was removed.
     */
    public synchronized List<TemplateDef> delete(String wabaId, String name, String id) {
        List<TemplateDef> removed = new ArrayList<>();
        Map<String, TemplateDef> map = byWaba.get(wabaId);
        if (map == null) {
            return removed;
        }
        for (TemplateDef t : List.copyOf(map.values())) {
            if (t.name().equals(name) && (id == null || t.id().equals(id))) {
                map.remove(key(t.name(), t.language()));
                removed.add(t);
            }
        }
        return removed;
    }

    public Optional<TemplateDef> find(String wabaId, String name, String language) {
        Map<String, TemplateDef> map = byWaba.get(wabaId);
        return map == null ? Optional.empty() : Optional.ofNullable(map.get(key(name, language)));
    }

    /** Templates of a WABA in a stable order (name, then language), as the paging cursor needs. */
    public List<TemplateDef> list(String wabaId) {
        Map<String, TemplateDef> map = byWaba.get(wabaId);
        if (map == null) {
            return List.of();
        }
        List<TemplateDef> out = new ArrayList<>(map.values());
        out.sort(Comparator.comparing(TemplateDef::name).thenComparing(TemplateDef::language));
        return out;
    }

    /**
     * Applies a status change by name (and language when given; all languages otherwise).
     * Returns the templates changed.
     */
    public List<TemplateDef> setStatus(String wabaId, String name, String language, TemplateDef.Status status) {
        List<TemplateDef> changed = new ArrayList<>();
        Map<String, TemplateDef> map = byWaba.get(wabaId);
        if (map == null) {
            return changed;
        }
        for (TemplateDef t : List.copyOf(map.values())) {
            if (t.name().equals(name) && (language == null || t.language().equals(language))) {
                TemplateDef updated = t.withStatus(status);
                map.put(key(t.name(), t.language()), updated);
                changed.add(updated);
            }
        }
        return changed;
    }

    /** Applies a recategorisation by name (and language when given); returns the templates changed. */
    public List<TemplateDef> setCategory(String wabaId, String name, String language, TemplateDef.Category category) {
        List<TemplateDef> changed = new ArrayList<>();
        Map<String, TemplateDef> map = byWaba.get(wabaId);
        if (map == null) {
            return changed;
        }
        for (TemplateDef t : List.copyOf(map.values())) {
            if (t.name().equals(name) && (language == null || t.language().equals(language))) {
                TemplateDef updated = t.withCategory(category);
                map.put(key(t.name(), t.language()), updated);
                changed.add(updated);
            }
        }
        return changed;
    }

    private static String key(String name, String language) {
        return name + '\u0000' + language;
    }
}
