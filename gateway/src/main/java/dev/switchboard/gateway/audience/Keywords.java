package dev.switchboard.gateway.audience;

import java.text.Normalizer;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A tenant's opt-out and opt-in keywords. A message matches only when its whole text is a
 * keyword (after trimming, case folding, accent stripping and dropping surrounding punctuation):
 * "STOP" and "stop!" opt out, "please don't stop" does not.
 */
public record Keywords(Set<String> optOut, Set<String> optIn) {
    /** STOP and its usual equivalents in the languages WhatsApp businesses most often serve. */
    public static final List<String> DEFAULT_OPT_OUT = List.of("STOP", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT",
            "OPT OUT", "OPTOUT", "STOPP", "ABMELDEN", "ARRET", "ARRÊT", "DESABONNER", "PARAR", "BAJA", "ALTO", "CANCELAR", "SAIR",
            "DESCADASTRAR", "DISISCRIVITI", "ANNULLA", "AFMELDEN", "STOPPEN", "DUR", "ОТПИСАТЬСЯ", "СТОП", "إيقاف", "रोकें", "停止",
            "退订");
    public static final List<String> DEFAULT_OPT_IN = List.of("START", "UNSTOP", "SUBSCRIBE", "OPT IN", "OPTIN", "ANMELDEN",
            "INICIAR", "ALTA", "COMENZAR", "ISCRIVITI", "ABONNER", "AANMELDEN", "BASLA", "ПОДПИСАТЬСЯ", "订阅");

    public static Keywords defaults() {
        return of(DEFAULT_OPT_OUT, DEFAULT_OPT_IN);
    }

    public static Keywords of(List<String> optOut, List<String> optIn) {
        return new Keywords(normaliseAll(optOut), normaliseAll(optIn));
    }

    /** {@code +1} opt-out, {@code -1} opt-in, {@code 0} neither. */
    public int match(String text) {
        if (text == null || text.length() > 40) {
            return 0;
        }
        String n = normalise(text);
        if (optOut.contains(n)) {
            return 1;
        }
        return optIn.contains(n) ? -1 : 0;
    }

    static Set<String> normaliseAll(List<String> words) {
        Set<String> out = new LinkedHashSet<>();
        for (String w : words) {
            String n = normalise(w);
            if (!n.isEmpty()) {
                out.add(n);
            }
        }
        return Set.copyOf(out);
    }

    static String normalise(String text) {
        String s = Normalizer.normalize(text.strip(), Normalizer.Form.NFD).replaceAll("\\p{M}+", "");
        s = s.replaceAll("^[\\p{P}\\p{S}\\s]+|[\\p{P}\\p{S}\\s]+$", "").replaceAll("\\s+", " ");
        return s.toUpperCase(Locale.ROOT);
    }
}
