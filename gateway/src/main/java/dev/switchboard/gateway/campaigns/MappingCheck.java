package dev.switchboard.gateway.campaigns;

import dev.switchboard.gateway.intake.TemplateCatalog.TemplateInfo;
import dev.switchboard.gateway.intake.TemplateComponents;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Whether a campaign's {@link TemplateMapping} fits its template as the catalogue knows it, checked
 * before start (and before every chunk), so that what Meta would refuse for every recipient is
 * refused once, with a message that says what to change:
 * <ul>
 *   <li>132000 (parameter count): the body's positional parameters, or its named ones, are not
 *       exactly the template's; a header or button parameter is given that the template has no
 *       place for, or missing where it has one;</li>
 *   <li>132012 (parameter format): named parameters for a positional template or the reverse, a
 *       media header without its image / video / document, or of another type, a button filled
 *       as another sub_type than it is.</li>
 * </ul>
 * Values themselves (a contact lacking a column) are per recipient: the expander skips those.
 */
final class MappingCheck {
    private MappingCheck() {
    }

    /** Null when the mapping fits the template; else what is wrong, for a 400 {@code campaign_invalid}. */
    static String problem(TemplateMapping m, TemplateInfo t) {
        String tpl = "Template " + t.name() + " (" + t.language() + ")";
        TemplateComponents c = t.components();
        String body = body(m, c, tpl);
        if (body != null) {
            return body;
        }
        String header = header(m, c, tpl);
        return header != null ? header : buttons(m, c, tpl);
    }

    private static String body(TemplateMapping m, TemplateComponents c, String tpl) {
        boolean mappedNamed = !m.body.isEmpty() && m.body.get(0).name() != null;
        if (c.named()) {
            if (!m.body.isEmpty() && !mappedNamed) {
                return tpl + " has named body parameters " + braces(c.body()) + ": give each mapped parameter its \"name\""
                        + " (Meta would refuse every message with 132012)";
            }
            Set<String> mapped = new LinkedHashSet<>();
            m.body.forEach(b -> mapped.add(b.name()));
            Set<String> missing = new LinkedHashSet<>(c.body());
            missing.removeAll(mapped);
            Set<String> extra = new LinkedHashSet<>(mapped);
            c.body().forEach(extra::remove);
            if (!missing.isEmpty() || !extra.isEmpty()) {
                return tpl + " takes body parameters " + braces(c.body()) + " but the mapping gives " + braces(mapped)
                        + (missing.isEmpty() ? "" : "; missing " + braces(missing)) + (extra.isEmpty() ? "" : "; not in the template " + braces(extra))
                        + " (Meta would refuse every message with 132000)";
            }
            return null;
        }
        if (mappedNamed) {
            return tpl + " has positional body parameters ({{1}}, {{2}}, …): map them in order, without \"name\""
                    + " (Meta would refuse every message with 132012)";
        }
        if (c.bodyCount() != m.body.size()) {
            return "Template " + tplName(tpl) + " takes " + c.bodyCount() + " body parameter(s) but the mapping gives " + m.body.size()
                    + " (Meta would refuse every message with 132000)";
        }
        return null;
    }

    private static String header(TemplateMapping m, TemplateComponents c, String tpl) {
        TemplateComponents.Header h = c.header();
        TemplateMapping.Header given = m.header;
        if (h == null || (h.text() && h.parameters().isEmpty())) {
            return given == null ? null : tpl + (h == null ? " has no header" : " has a fixed text header")
                    + ", but the mapping gives a header parameter (Meta would refuse every message with 132000)";
        }
        if (h.text()) {
            String placeholder = h.parameters().get(0);
            if (given == null) {
                return tpl + " has a text header with a parameter {{" + placeholder + "}}: map it with \"header\": {\"variable\": …}"
                        + " or {\"text\": …} (Meta would refuse every message with 132000)";
            }
            if (!given.type().equals("text")) {
                return tpl + " has a TEXT header, but the mapping gives a " + given.type() + " (Meta would refuse every message with 132012)";
            }
            if (c.named() && !placeholder.equals(given.name())) {
                return tpl + " has the named header parameter {{" + placeholder + "}}: give the header \"name\": \"" + placeholder + "\""
                        + " (Meta would refuse every message with 132012)";
            }
            if (!c.named() && given.name() != null) {
                return tpl + " has a positional header parameter: map it without \"name\" (Meta would refuse every message with 132012)";
            }
            return null;
        }
        String format = h.format().toLowerCase(Locale.ROOT);
        if (given == null) {
            return tpl + " has a " + h.format() + " header: map it with \"header\": {\"type\": \"" + format + "\""
                    + (format.equals("location") ? ", \"latitude\": …, \"longitude\": …}" : ", \"link\": …} (or \"id\", or \"variable\")")
                    + " (Meta would refuse every message with 132012)";
        }
        if (!given.type().equals(format)) {
            return tpl + " has a " + h.format() + " header, but the mapping gives a " + given.type()
                    + " (Meta would refuse every message with 132012)";
        }
        return null;
    }

    private static String buttons(TemplateMapping m, TemplateComponents c, String tpl) {
        List<TemplateComponents.Button> buttons = c.buttons();
        for (TemplateMapping.ButtonParam p : m.buttons) {
            if (p.index() >= buttons.size()) {
                return tpl + " has " + buttons.size() + " button(s), but the mapping fills button " + p.index()
                        + " (Meta would refuse every message with 132000)";
            }
        }
        for (TemplateComponents.Button b : buttons) {
            TemplateMapping.ButtonParam p = m.buttons.stream().filter(x -> x.index() == b.index()).findFirst().orElse(null);
            String which = "button " + b.index() + " (" + b.type() + (b.text() == null ? "" : " \"" + b.text() + "\"") + ")";
            switch (b.need()) {
                case UNSUPPORTED -> {
                    return tpl + "'s " + which + " needs product parameters a campaign mapping cannot give; use another template";
                }
                case REQUIRED -> {
                    if (p == null) {
                        return tpl + "'s " + which + " needs a parameter: map it with {\"index\": " + b.index() + ", \"sub_type\": \""
                                + b.subType() + "\", \"variable\": …} or \"text\" (Meta would refuse every message)";
                    }
                }
                case NONE -> {
                    if (p != null) {
                        return tpl + "'s " + which + " takes no parameter, but the mapping fills it (Meta would refuse every message with 132000)";
                    }
                }
                default -> { }
            }
            if (p != null && !p.subType().equals(b.subType())) {
                return tpl + "'s " + which + " is filled with sub_type " + b.subType() + ", but the mapping says " + p.subType()
                        + " (Meta would refuse every message with 132012)";
            }
        }
        return null;
    }

    private static String tplName(String tpl) {
        return tpl.substring("Template ".length());
    }

    private static String braces(java.util.Collection<String> names) {
        List<String> out = new ArrayList<>();
        names.forEach(n -> out.add("{{" + n + "}}"));
        return out.isEmpty() ? "none" : String.join(", ", out);
    }
}
