package io.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wharf.api.SnapshotInfo;
import io.wharf.api.VolumeCreate;
import io.wharf.api.VolumeUpdate;
import io.wharf.api.client.ApiClient;
import io.wharf.core.ByteSize;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot schedules on a real node (checking for due runs every 200 ms): a volume's own schedule
 * and a named policy take snapshots and keep only the newest {@code keep} of each rule.
 */
class ScheduleTest {
    @TempDir
    Path dir;

    private static List<String> scheduled(ApiClient api, String volume, String rule) {
        return api.listSnapshots(volume).stream().map(SnapshotInfo::name).filter(n -> n.startsWith(rule + "-")).toList();
    }

    @Test
    void schedulesTakeAndPruneSnapshots() throws Exception {
        try (NodeProcess node = NodeProcess.started(dir.resolve("node"), "--schedule-interval", "0.2")) {
            ApiClient api = node.api();
            api.createVolume(new VolumeCreate("own", 16 * ByteSize.MIB, Map.of()));
            api.createVolume(new VolumeCreate("follower", 16 * ByteSize.MIB, Map.of()));
            api.createSnapshot("own", "manual");

            assertThat(api.updateVolume("own", new VolumeUpdate("periodic=1s,keep=3", null)).snapshotSchedule())
                    .isEqualTo("periodic=1s,keep=3");
            Set<String> seen = new HashSet<>();
            Conditions.await("six scheduled snapshots to come and go", Duration.ofSeconds(60), () -> {
                List<String> now = scheduled(api, "own", "periodic");
                assertThat(now.size()).as("never more than keep=3: %s", now).isLessThanOrEqualTo(3);
                seen.addAll(now);
                return seen.size() >= 6;
            });
            assertThat(api.listSnapshots("own")).extracting(SnapshotInfo::name).contains("manual");

            api.createPolicy("fast", "periodic=1s,keep=2");
            api.updateVolume("follower", new VolumeUpdate(null, "fast"));
            Conditions.await("the policy's snapshots", Duration.ofSeconds(30),
                    () -> scheduled(api, "follower", "periodic").size() == 2);
            assertThat(api.getPolicy("fast").volumes()).isEqualTo(1);
            assertThatThrownBy(() -> api.deletePolicy("fast")).isInstanceOf(WharfException.class)
                    .extracting(e -> ((WharfException) e).code()).isEqualTo(ErrorCode.POLICY_IN_USE);
            assertThatThrownBy(() -> api.updateVolume("follower", new VolumeUpdate("daily=02:00", null)))
                    .as("a schedule and a policy at once").isInstanceOf(WharfException.class)
                    .extracting(e -> ((WharfException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            assertThatThrownBy(() -> api.updateVolume("own", new VolumeUpdate("hourly=5", null)))
                    .isInstanceOf(WharfException.class)
                    .extracting(e -> ((WharfException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);

            api.updateVolume("own", new VolumeUpdate("", null));
            api.updateVolume("follower", new VolumeUpdate(null, ""));
            api.deletePolicy("fast");
            List<String> settled = scheduled(api, "own", "periodic");
            assertThat(settled).hasSizeLessThanOrEqualTo(3);
            assertThat(api.getVolume("own").snapshotSchedule()).isNull();
        }
    }
    /**
     * Missed runs are caught up once: with {@code periodic=2s} and the node down for three periods,
     * the restarted node takes one snapshot at once and the next a period later, not three in a
     * burst. The schedule is given at create time.
     */
    @Test
    void afterDowntimeEachRuleRunsOnceNotABurst() throws Exception {
        try (NodeProcess node = NodeProcess.started(dir.resolve("node"), "--schedule-interval", "0.2")) {
            ApiClient api = node.api();
            api.createVolume(new VolumeCreate("v", 16 * ByteSize.MIB, Map.of(), "periodic=2s,keep=10", null));
            assertThat(api.getVolume("v").snapshotSchedule()).isEqualTo("periodic=2s,keep=10");
            Conditions.await("the first scheduled snapshot", Duration.ofSeconds(30),
                    () -> scheduled(api, "v", "periodic").size() == 1);
            node.stop();
            Instant stoppedAt = Instant.now();
            // The scenario is downtime itself: wait until three periods have been missed.
            Conditions.await("three missed periods", Duration.ofSeconds(30),
                    () -> Instant.now().isAfter(stoppedAt.plusSeconds(7)));
            Instant restartedAt = Instant.now();
            node.start();
            Conditions.await("the catch-up and the next run", Duration.ofSeconds(30),
                    () -> scheduled(api, "v", "periodic").size() >= 3);
            List<Instant> taken = api.listSnapshots("v").stream().filter(s -> s.name().startsWith("periodic-"))
                    .map(s -> Instant.parse(s.createdAt())).sorted().toList();
            Instant catchUp = taken.get(1);
            Instant next = taken.get(2);
            assertThat(catchUp).as("the catch-up runs when the node is back").isAfter(restartedAt);
            assertThat(Duration.between(catchUp, next)).as("one catch-up, then the period: %s", taken)
                    .isGreaterThanOrEqualTo(Duration.ofMillis(1500));
        }
    }
}
