package io.wharf.control.schedule;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** A parsed schedule: one rule per kind at most, each with its retention. */
public record Schedule(List<Rule> rules) {
    public static final int MAX_KEEP = 1024;
    private static final String HINT = "write rules like periodic=60m,keep=5;daily=02:00,keep=7;weekly=sun@02:00,keep=4;monthly=1@02:00,keep=12";

    public Schedule {
        rules = List.copyOf(rules);
    }

    /** One rule of a schedule; {@code keep} snapshots of it are retained. */
    public sealed interface Rule {
        int keep();

        /** A short stable name used to tag the snapshots this rule takes: periodic, daily, weekly, monthly. */
        String kind();

        /** The first run of this rule strictly after {@code after}. */
        Instant nextAfter(Instant after, ZoneId zone);
    }

    public record Periodic(Duration every, int keep) implements Rule {
        @Override
        public String kind() {
            return "periodic";
        }

        /** A period after the last run (as Portworx counts it), not on a clock grid: a catch-up is never followed by a run moments later. */
        @Override
        public Instant nextAfter(Instant after, ZoneId zone) {
            return after.plus(every);
        }
    }

    public record Daily(LocalTime at, int keep) implements Rule {
        @Override
        public String kind() {
            return "daily";
        }

        @Override
        public Instant nextAfter(Instant after, ZoneId zone) {
            ZonedDateTime candidate = after.atZone(zone).with(at).truncatedTo(ChronoUnit.MINUTES);
            while (!candidate.toInstant().isAfter(after)) {
                candidate = candidate.plusDays(1).with(at);
            }
            return candidate.toInstant();
        }
    }

    public record Weekly(DayOfWeek day, LocalTime at, int keep) implements Rule {
        @Override
        public String kind() {
            return "weekly";
        }

        @Override
        public Instant nextAfter(Instant after, ZoneId zone) {
            ZonedDateTime candidate = after.atZone(zone).with(at).truncatedTo(ChronoUnit.MINUTES);
            while (candidate.getDayOfWeek() != day || !candidate.toInstant().isAfter(after)) {
                candidate = candidate.plusDays(1).with(at);
            }
            return candidate.toInstant();
        }
    }

    public record Monthly(int dayOfMonth, LocalTime at, int keep) implements Rule {
        @Override
        public String kind() {
            return "monthly";
        }

        @Override
        public Instant nextAfter(Instant after, ZoneId zone) {
            ZonedDateTime candidate = after.atZone(zone).withDayOfMonth(dayOfMonth).with(at).truncatedTo(ChronoUnit.MINUTES);
            while (!candidate.toInstant().isAfter(after)) {
                candidate = candidate.plusMonths(1).withDayOfMonth(dayOfMonth).with(at);
            }
            return candidate.toInstant();
        }
    }

    /**
     * The rules due at {@code now} for a schedule whose rules last ran at {@code lastRun} (or were
     * set up then): a rule is due when its next run after {@code lastRun} is not after {@code now}.
     * However many runs were missed, each rule is due once.
     */
    public List<Rule> due(java.util.function.Function<Rule, Instant> lastRun, Instant now, ZoneId zone) {
        List<Rule> due = new ArrayList<>();
        for (Rule rule : rules) {
            if (!rule.nextAfter(lastRun.apply(rule), zone).isAfter(now)) {
                due.add(rule);
            }
        }
        return due;
    }

    public static Schedule parse(String text) {
        if (text == null || text.isBlank()) {
            throw invalid("the schedule is empty");
        }
        List<Rule> rules = new ArrayList<>();
        Set<String> kinds = new HashSet<>();
        for (String part : text.split(";")) {
            if (part.isBlank()) {
                continue;
            }
            Rule rule = parseRule(part.trim());
            if (!kinds.add(rule.kind())) {
                throw invalid("the schedule has more than one " + rule.kind() + " rule");
            }
            rules.add(rule);
        }
        if (rules.isEmpty()) {
            throw invalid("the schedule has no rules");
        }
        return new Schedule(rules);
    }

    private static Rule parseRule(String text) {
        String[] fields = text.split(",");
        String[] head = fields[0].split("=", 2);
        if (head.length != 2) {
            throw invalid("'" + text + "' is not KIND=WHEN");
        }
        String kind = head[0].trim().toLowerCase(Locale.ROOT);
        String when = head[1].trim();
        Integer keep = null;
        for (int i = 1; i < fields.length; i++) {
            String[] option = fields[i].split("=", 2);
            if (option.length != 2 || !option[0].trim().equals("keep")) {
                throw invalid("unknown option '" + fields[i].trim() + "' in '" + text + "'; only keep=N is allowed");
            }
            keep = parseKeep(option[1].trim());
        }
        return switch (kind) {
            case "periodic" -> new Periodic(parseInterval(when), keep == null ? 5 : keep);
            case "daily" -> new Daily(parseTime(when), keep == null ? 7 : keep);
            case "weekly" -> {
                String[] dayAt = splitAt(when, text);
                yield new Weekly(parseDay(dayAt[0]), parseTime(dayAt[1]), keep == null ? 4 : keep);
            }
            case "monthly" -> {
                String[] dayAt = splitAt(when, text);
                yield new Monthly(parseDayOfMonth(dayAt[0]), parseTime(dayAt[1]), keep == null ? 12 : keep);
            }
            default -> throw invalid("unknown rule kind '" + head[0].trim() + "'; use periodic, daily, weekly or monthly");
        };
    }

    private static String[] splitAt(String when, String text) {
        String[] dayAt = when.split("@", 2);
        if (dayAt.length != 2) {
            throw invalid("'" + text + "' needs DAY@HH:MM");
        }
        return dayAt;
    }

    private static int parseKeep(String text) {
        try {
            int keep = Integer.parseInt(text);
            if (keep < 1 || keep > MAX_KEEP) {
                throw invalid("keep=" + text + " is out of range 1.." + MAX_KEEP);
            }
            return keep;
        } catch (NumberFormatException e) {
            throw invalid("keep=" + text + " is not a number");
        }
    }

    private static Duration parseInterval(String text) {
        if (text.length() < 2) {
            throw invalid("interval '" + text + "' needs a number and a unit, e.g. 60m");
        }
        long amount;
        try {
            amount = Long.parseLong(text.substring(0, text.length() - 1));
        } catch (NumberFormatException e) {
            throw invalid("interval '" + text + "' needs a number and a unit, e.g. 60m");
        }
        Duration interval = switch (text.charAt(text.length() - 1)) {
            case 's' -> Duration.ofSeconds(amount);
            case 'm' -> Duration.ofMinutes(amount);
            case 'h' -> Duration.ofHours(amount);
            case 'd' -> Duration.ofDays(amount);
            default -> throw invalid("interval '" + text + "' has an unknown unit; use s, m, h or d");
        };
        if (interval.compareTo(Duration.ofSeconds(1)) < 0 || interval.compareTo(Duration.ofDays(365)) > 0) {
            throw invalid("interval '" + text + "' is out of range 1s..365d");
        }
        return interval;
    }

    private static LocalTime parseTime(String text) {
        try {
            return LocalTime.parse(text.length() == 4 ? "0" + text : text);
        } catch (DateTimeParseException e) {
            throw invalid("time '" + text + "' is not HH:MM");
        }
    }

    private static DayOfWeek parseDay(String text) {
        String day = text.trim().toLowerCase(Locale.ROOT);
        for (DayOfWeek candidate : DayOfWeek.values()) {
            String name = candidate.name().toLowerCase(Locale.ROOT);
            if (day.length() >= 3 && name.startsWith(day)) {
                return candidate;
            }
        }
        throw invalid("day '" + text + "' is not a day of the week (mon..sun)");
    }

    private static int parseDayOfMonth(String text) {
        try {
            int day = Integer.parseInt(text.trim());
            if (day < 1 || day > 28) {
                throw invalid("day of month " + text + " is out of range 1..28 (so every month has it)");
            }
            return day;
        } catch (NumberFormatException e) {
            throw invalid("day of month '" + text + "' is not a number");
        }
    }

    private static WharfException invalid(String why) {
        return new WharfException(ErrorCode.INVALID_ARGUMENT, "snapshot schedule is not valid: " + why, HINT);
    }
}
