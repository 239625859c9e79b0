package io.wharf.nbd.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

class BufferPoolTest {
    private static final int MIB = 1 << 20;

    @Test
    void sizeClassesAndPages() {
        assertThat(BufferPool.classFor(1)).isZero();
        assertThat(BufferPool.classFor(4096)).isZero();
        assertThat(BufferPool.classFor(4097)).isEqualTo(1);
        assertThat(BufferPool.classFor(MIB)).isEqualTo(BufferPool.CLASS_COUNT - 1);
        assertThat(BufferPool.pagesFor(5000)).isEqualTo(2);
        assertThat(BufferPool.pagesFor(3L * MIB + 1)).isEqualTo(3 * 256 + 1);
        assertThat(BufferPool.pagesFor(32L * MIB)).isEqualTo(32 * 256);
        assertThat(BufferPool.buffersFor(3L * MIB + 1)).isEqualTo(4);
        assertThat(BufferPool.buffersFor(MIB)).isEqualTo(1);
    }

    @Test
    void leaseSplitsPayloadsAndReturnsEverything() throws InterruptedException {
        try (BufferPool pool = new BufferPool(8L * MIB, 8L * MIB)) {
            Semaphore connection = new Semaphore(pool.budgetPages());
            Lease lease = pool.newLease(connection, 4 * MIB);
            lease.acquire(2L * MIB + 10);
            assertThat(lease.count()).isEqualTo(3);
            ByteBuffer[] buffers = lease.buffers();
            assertThat(new int[] {buffers[0].remaining(), buffers[1].remaining(), buffers[2].remaining()})
                    .containsExactly(MIB, MIB, 10);
            assertThat(buffers[0].isDirect()).isTrue();
            assertThat(pool.leasedBytes()).isEqualTo(2L * MIB + 4096);
            buffers[2].position(10);
            lease.rewind();
            assertThat(buffers[2].remaining()).isEqualTo(10);
            lease.release();
            assertThat(pool.leasedBytes()).isZero();
            assertThat(connection.availablePermits()).isEqualTo(pool.budgetPages());
            lease.release();
            assertThat(pool.leasedBytes()).isZero();
        }
    }

    @Test
    void reservationBlocksUntilBudgetIsFreedAllOrNothing() throws Exception {
        try (BufferPool pool = new BufferPool(2L * MIB, 0)) {
            Semaphore connection = new Semaphore(pool.budgetPages());
            Lease first = pool.newLease(connection, 2 * MIB);
            Lease second = pool.newLease(connection, 2 * MIB);
            first.acquire(MIB + 1);
            AtomicBoolean acquired = new AtomicBoolean();
            Thread waiter = Thread.ofVirtual().start(() -> {
                try {
                    second.acquire(MIB);
                    acquired.set(true);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (waiter.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
                LockSupport.parkNanos(1_000_000);
            }
            assertThat(acquired).isFalse();
            assertThat(pool.leasedBytes()).as("the waiter holds nothing while it waits").isEqualTo(MIB + 4096);
            first.release();
            waiter.join(5_000);
            assertThat(acquired).isTrue();
            second.release();
            assertThat(pool.leasedBytes()).isZero();
            assertThat(pool.allocatedBytes()).as("no cache: memory is freed on release").isZero();
        }
    }

    @Test
    void connectionBudgetLimitsOneConnection() throws Exception {
        try (BufferPool pool = new BufferPool(8L * MIB, 8L * MIB)) {
            Semaphore connection = new Semaphore(256);
            Lease first = pool.newLease(connection, MIB);
            Lease second = pool.newLease(connection, MIB);
            first.acquire(MIB);
            Thread waiter = Thread.ofVirtual().start(() -> {
                try {
                    second.acquire(4096);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (waiter.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
                LockSupport.parkNanos(1_000_000);
            }
            waiter.interrupt();
            waiter.join(5_000);
            assertThat(pool.leasedBytes()).isEqualTo(MIB);
            assertThat(connection.availablePermits()).isZero();
            first.release();
            assertThat(connection.availablePermits()).isEqualTo(256);
        }
    }

    @Test
    void cacheKeepsBuffersUpToItsLimit() throws InterruptedException {
        try (BufferPool pool = new BufferPool(8L * MIB, MIB)) {
            Semaphore connection = new Semaphore(pool.budgetPages());
            Lease lease = pool.newLease(connection, 4 * MIB);
            lease.acquire(3L * MIB);
            assertThat(pool.allocatedBytes()).isEqualTo(3L * MIB);
            lease.release();
            assertThat(pool.allocatedBytes()).as("one buffer cached, two freed").isEqualTo(MIB);
            lease.acquire(MIB);
            assertThat(pool.allocatedBytes()).as("reused from the cache").isEqualTo(MIB);
            lease.release();
        }
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> new BufferPool(4096, 0)).isInstanceOf(IllegalArgumentException.class);
        try (BufferPool pool = new BufferPool(4L * MIB, 0)) {
            Lease lease = pool.newLease(new Semaphore(1024), MIB);
            assertThatThrownBy(() -> lease.acquire(MIB + 1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> lease.acquire(0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> pool.borrow(0)).isInstanceOf(IllegalArgumentException.class);
            BufferPool.Borrowed borrowed = pool.borrow(65536);
            assertThat(borrowed.buffer().capacity()).isEqualTo(65536);
            borrowed.release();
            borrowed.release();
        }
    }
}
