package io.wharf.replication.sync.target;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.replication.sync.ManualScheduler;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RangeLocksTest {
    private final ManualScheduler scheduler = new ManualScheduler();
    private final RangeLocks locks = new RangeLocks(scheduler, 100);
    private final List<String> granted = new ArrayList<>();

    private RangeLocks.Lock lock(String name, long start, long end) {
        RangeLocks.Lock lock = locks.acquire(start, end, () -> granted.add(name));
        scheduler.runDue();
        return lock;
    }

    @Test
    void overlappingLocksWaitInOrderAndDisjointOnesDoNot() {
        RangeLocks.Lock a = lock("a", 0, 100);
        lock("b", 50, 150);
        lock("c", 200, 300);
        lock("d", 120, 130); // disjoint from a, but behind b: waits so b is not overtaken
        assertThat(granted).containsExactly("a", "c");
        locks.release(a);
        scheduler.runDue();
        assertThat(granted).containsExactly("a", "c", "b");
    }

    @Test
    void aWaitingLockCanBeWithdrawn() {
        RangeLocks.Lock a = lock("a", 0, 10);
        RangeLocks.Lock b = lock("b", 5, 15);
        locks.release(b);
        locks.release(a);
        scheduler.runDue();
        assertThat(granted).containsExactly("a");
        assertThat(locks.size()).isZero();
    }
}
