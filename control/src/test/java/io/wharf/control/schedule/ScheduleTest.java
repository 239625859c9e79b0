package io.wharf.control.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ScheduleTest {
    private static final ZoneId UTC = ZoneOffset.UTC;

    @Test
    void parsesPortworxSyntax() {
        Schedule schedule = Schedule.parse("periodic=60m,keep=5;daily=02:00,keep=7;weekly=sun@02:00,keep=4;monthly=1@02:00,keep=12");
        assertThat(schedule.rules()).containsExactly(
                new Schedule.Periodic(Duration.ofMinutes(60), 5),
                new Schedule.Daily(LocalTime.of(2, 0), 7),
                new Schedule.Weekly(DayOfWeek.SUNDAY, LocalTime.of(2, 0), 4),
                new Schedule.Monthly(1, LocalTime.of(2, 0), 12));
        assertThat(Schedule.parse("periodic=15m").rules()).containsExactly(new Schedule.Periodic(Duration.ofMinutes(15), 5));
    }

    @Test
    void refusesNonsenseWithAClearError() {
        for (String bad : new String[] {"", "hourly=5m", "periodic=0m", "periodic=5x", "daily=25:00", "weekly=funday@02:00",
            "weekly=sun", "monthly=31@02:00", "periodic=60m,keep=0", "periodic=60m,keep=many", "periodic=60m,retain=3",
            "daily=02:00;daily=03:00"}) {
            assertThatThrownBy(() -> Schedule.parse(bad)).as(bad).isInstanceOf(WharfException.class)
                    .satisfies(e -> {
                        assertThat(((WharfException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                        assertThat(((WharfException) e).hint()).contains("periodic=60m");
                    });
        }
    }

    @Test
    void computesTheNextRunOfEachKind() {
        Instant at = Instant.parse("2026-11-27T10:15:00Z"); // a Friday
        assertThat(new Schedule.Periodic(Duration.ofMinutes(60), 5).nextAfter(at, UTC)).as("a period after the last run")
                .isEqualTo(Instant.parse("2026-11-27T11:15:00Z"));
        assertThat(new Schedule.Daily(LocalTime.of(2, 0), 7).nextAfter(at, UTC)).isEqualTo(Instant.parse("2026-11-28T02:00:00Z"));
        assertThat(new Schedule.Daily(LocalTime.of(12, 0), 7).nextAfter(at, UTC)).isEqualTo(Instant.parse("2026-11-27T12:00:00Z"));
        assertThat(new Schedule.Weekly(DayOfWeek.SUNDAY, LocalTime.of(2, 0), 4).nextAfter(at, UTC))
                .isEqualTo(Instant.parse("2026-11-29T02:00:00Z"));
        assertThat(new Schedule.Monthly(1, LocalTime.of(2, 0), 12).nextAfter(at, UTC)).isEqualTo(Instant.parse("2026-12-01T02:00:00Z"));
        assertThat(new Schedule.Daily(LocalTime.of(2, 0), 7).nextAfter(Instant.parse("2026-11-28T02:00:00Z"), UTC))
                .as("strictly after").isEqualTo(Instant.parse("2026-11-29T02:00:00Z"));
    }

    @Test
    void afterDowntimeEachRuleIsDueOnceNotABurst() {
        Schedule schedule = Schedule.parse("periodic=60m,keep=5;daily=02:00,keep=7;weekly=sun@02:00,keep=4");
        Instant lastRun = Instant.parse("2026-11-20T10:30:00Z");
        Instant now = Instant.parse("2026-11-27T10:30:00Z"); // a week of missed runs
        assertThat(schedule.due(rule -> lastRun, now, UTC)).extracting(Schedule.Rule::kind)
                .containsExactly("periodic", "daily", "weekly");
        assertThat(schedule.due(rule -> now, now, UTC)).as("nothing is due right after running").isEmpty();
        assertThat(schedule.due(rule -> now, now.plus(Duration.ofMinutes(59)), UTC)).isEmpty();
        assertThat(schedule.due(rule -> now, now.plus(Duration.ofMinutes(60)), UTC)).extracting(Schedule.Rule::kind)
                .containsExactly("periodic");
    }
}
