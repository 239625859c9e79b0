package io.wharf.node.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wharf.replication.sync.Scheduler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ReplicationLoopTest {
    private static final long MS = 1_000_000;

    @Test
    void runsTasksInOrderAndTimersWhenDue() throws Exception {
        try (ReplicationLoop loop = new ReplicationLoop("test-loop")) {
            List<String> ran = new CopyOnWriteArrayList<>();
            CountDownLatch done = new CountDownLatch(1);
            long started = loop.nanoTime();
            loop.schedule(40 * MS, () -> {
                ran.add("late timer");
                done.countDown();
            });
            loop.schedule(20 * MS, () -> ran.add("early timer"));
            Scheduler.Cancellable cancelled = loop.schedule(10 * MS, () -> ran.add("cancelled"));
            cancelled.cancel();
            for (int i = 0; i < 100; i++) {
                int index = i;
                loop.execute(() -> ran.add("task " + index));
            }
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(loop.nanoTime() - started).isGreaterThanOrEqualTo(40 * MS);
            assertThat(ran).hasSize(102).doesNotContain("cancelled");
            assertThat(ran.subList(0, 100)).isEqualTo(java.util.stream.IntStream.range(0, 100).mapToObj(i -> "task " + i).toList());
            assertThat(ran.subList(100, 102)).containsExactly("early timer", "late timer");
        }
    }

    @Test
    void aFailingTaskIsLoggedAndTheLoopGoesOn() throws Exception {
        try (ReplicationLoop loop = new ReplicationLoop("test-loop")) {
            CountDownLatch after = new CountDownLatch(1);
            loop.execute(() -> {
                throw new IllegalStateException("a bug in one task");
            });
            loop.execute(after::countDown);
            assertThat(after.await(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void manyCancelledTimersDoNotPileUp() throws Exception {
        try (ReplicationLoop loop = new ReplicationLoop("test-loop")) {
            AtomicInteger fired = new AtomicInteger();
            CountDownLatch done = new CountDownLatch(1);
            loop.execute(() -> {
                for (int i = 0; i < 100_000; i++) {
                    loop.schedule(60_000 * MS, fired::incrementAndGet).cancel(); // as Deadline does for every answered call
                }
                loop.schedule(0, done::countDown);
            });
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(fired).hasValue(0);
        }
    }

    @Test
    void afterCloseTasksAreDroppedAndLoopOnlyCallsAreChecked() throws Exception {
        ReplicationLoop loop = new ReplicationLoop("test-loop");
        assertThatThrownBy(() -> loop.checkInLoop("PeerLinks.endpoint")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("test-loop");
        loop.close();
        AtomicInteger ran = new AtomicInteger();
        loop.execute(ran::incrementAndGet);
        assertThat(loop.schedule(0, ran::incrementAndGet)).isSameAs(Scheduler.Cancellable.NONE);
        OnLoop.until("the loop thread ended", Duration.ofSeconds(10), () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(thread -> thread.getName().equals("test-loop")));
        assertThat(ran).hasValue(0);
    }
}
