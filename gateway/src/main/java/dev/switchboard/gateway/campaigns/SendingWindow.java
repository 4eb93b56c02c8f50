package dev.switchboard.gateway.campaigns;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The hours of the day a campaign may send, in the audience's time zone: quiet hours are
 * everything else. {@code from} and {@code to} are minutes after local midnight; a window with
 * {@code to} before {@code from} runs overnight (21:00–02:00) and belongs to the day it opens
 * on, so {@code days} = Friday lets it run into Saturday morning. {@code days} is a bit mask,
 * Monday = 1 … Sunday = 64.
 *
 * <p>Every question is about an instant, answered through the zone's rules, so daylight-saving
 * changes need little: a local time that does not exist that day (inside a spring-forward gap)
 * stands for the instant the gap ends — the first moment the local clock is past it, which is
 * also when {@link #open} starts saying yes — and one that exists twice (fall back) for the first.
 */
record SendingWindow(ZoneId zone, int from, int to, int days) {
    static final int EVERY_DAY = 127;
    private static final String[] NAMES = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

    boolean open(long millis) {
        ZonedDateTime t = Instant.ofEpochMilli(millis).atZone(zone);
        int minute = t.getHour() * 60 + t.getMinute();
        if (from < to) {
            return on(t.getDayOfWeek()) && minute >= from && minute < to;
        }
        return (minute >= from && on(t.getDayOfWeek())) || (minute < to && on(t.getDayOfWeek().minus(1)));
    }

    /** The first instant at or after {@code millis} when it is open. */
    long nextOpen(long millis) {
        if (open(millis)) {
            return millis;
        }
        LocalDate day = Instant.ofEpochMilli(millis).atZone(zone).toLocalDate();
        for (int d = 0; d <= 8; d++) {
            LocalDate date = day.plusDays(d);
            long opens = at(date, from);
            if (on(date.getDayOfWeek()) && opens > millis) {
                return opens;
            }
        }
        throw new IllegalStateException("a sending window with no day open"); // parse refuses an empty day set
    }

    /** When the opening that {@code millis} is in closes ({@code millis} must be open). */
    long closesAt(long millis) {
        ZonedDateTime t = Instant.ofEpochMilli(millis).atZone(zone);
        int minute = t.getHour() * 60 + t.getMinute();
        LocalDate date = t.toLocalDate();
        return at(from > to && minute >= from ? date.plusDays(1) : date, to);
    }

    /**
     * When {@code seconds} of open time have passed, counting from {@code startMillis}: how long
     * sending that many seconds' worth takes once quiet hours are skipped.
     */
    long advance(long startMillis, double seconds) {
        double need = seconds * 1000;
        long t = startMillis;
        for (int i = 0; i < 100_000; i++) {
            t = nextOpen(t);
            long end = closesAt(t);
            if (need <= end - t) {
                return t + (long) Math.ceil(need);
            }
            need -= end - t;
            t = end;
        }
        return Long.MAX_VALUE; // beyond any horizon worth printing
    }

    /** The longest stretch it stays closed (over the week, plus an hour for a daylight-saving shift). */
    long longestClosedMillis(long fromMillis) {
        long longest = 0;
        long t = nextOpen(fromMillis);
        for (int i = 0; i < 8; i++) {
            long closes = closesAt(t);
            long next = nextOpen(closes);
            longest = Math.max(longest, next - closes);
            t = next;
        }
        return longest + 3_600_000L;
    }

    private boolean on(DayOfWeek d) {
        return (days & (1 << (d.getValue() - 1))) != 0;
    }

    private long at(LocalDate date, int minute) {
        LocalDateTime local = minute == 24 * 60 ? date.plusDays(1).atStartOfDay() : date.atTime(minute / 60, minute % 60);
        ZoneOffsetTransition gap = zone.getRules().getTransition(local);
        if (gap != null && gap.isGap()) {
            return gap.getInstant().toEpochMilli();
        }
        return ZonedDateTime.of(local, zone).toInstant().toEpochMilli();
    }

    static String clock(int minute) {
        return String.format(Locale.ROOT, "%02d:%02d", minute / 60, minute % 60);
    }

    List<String> dayNames() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            if ((days & (1 << i)) != 0) {
                out.add(NAMES[i]);
            }
        }
        return out;
    }

    /** "mon" or "monday" (any case) → its bit; -1 when it is no day. */
    static int dayBit(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        for (int i = 0; i < 7; i++) {
            if (n.equals(NAMES[i]) || n.equals(DayOfWeek.of(i + 1).name().toLowerCase(Locale.ROOT))) {
                return 1 << i;
            }
        }
        return -1;
    }
}
