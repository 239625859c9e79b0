package io.wharf.node.transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The frames waiting to go out on one connection. Any thread may queue a frame; whichever thread
 * holds the write lock writes everything queued, many frames per gathering write, so concurrent
 * senders share system calls instead of queueing for one each (flat combining; no writer thread and
 * no hand-off). Frames never interleave.
 *
 * <p>After a write fails every frame, queued or later, is reported failed without being written;
 * the owner closes the connection.
 */
final class Outbox {
    /** Frames per gathering write: bounded so one write never holds more than a few MiB. */
    static final int MAX_BATCH_FRAMES = 64;
    static final long MAX_BATCH_BYTES = 4L << 20;

    /** A frame to write: up to two buffers (header, payload), and a callback once they are no longer used. */
    interface Outgoing {
        /** Puts this frame's buffers into {@code gather} from {@code at}; returns how many (1 or 2). */
        int buffers(ByteBuffer[] gather, int at);

        /** Called once, after the frame went out or could not ({@code failure} non-null); its buffers are free. */
        void written(IOException failure);
    }

    /** Told once when a write fails (from the writing thread). */
    interface FailureListener {
        void writeFailed(IOException failure);
    }

    private final GatheringByteChannel channel;
    private final FailureListener listener;
    private final ConcurrentLinkedQueue<Outgoing> queue = new ConcurrentLinkedQueue<>();
    private final ReentrantLock lock = new ReentrantLock();
    /** Used only under the lock. */
    private final ByteBuffer[] gather = new ByteBuffer[2 * MAX_BATCH_FRAMES];
    private final Outgoing[] batch = new Outgoing[MAX_BATCH_FRAMES];
    private volatile IOException failure;
    /** When the write in progress started (System.nanoTime), or 0 when none is. */
    private volatile long writeStartedNanos;

    Outbox(GatheringByteChannel channel, FailureListener listener) {
        this.channel = channel;
        this.listener = listener;
    }

    /** Queues a frame and writes what is queued, unless another thread is writing (it then writes this one too). */
    void send(Outgoing frame) {
        queue.add(frame);
        drain();
    }

    /** Queues a frame without writing; the caller calls {@link #drain()} before it blocks. */
    void enqueue(Outgoing frame) {
        queue.add(frame);
    }

    /**
     * Writes what is queued unless another thread is writing. A frame queued while the holder
     * finishes is not stranded: the holder looks at the queue again after releasing the lock.
     */
    void drain() {
        if (lock.isHeldByCurrentThread()) {
            // called back from inside a write (a failure listener that fails the outbox): the writing
            // loop reports what is queued; reentering it would reuse its batch arrays mid-batch
            return;
        }
        while (!queue.isEmpty() && lock.tryLock()) {
            try {
                writeQueued();
            } finally {
                lock.unlock();
            }
        }
    }

    long writeStartedNanos() {
        return writeStartedNanos;
    }

    /** Marks the outbox failed: later frames are reported failed at once. */
    void fail(IOException cause) {
        if (failure == null) {
            failure = cause;
        }
        drain();
    }

    private void writeQueued() {
        while (true) {
            int frames = 0;
            int buffers = 0;
            long bytes = 0;
            Outgoing frame;
            while (frames < MAX_BATCH_FRAMES && bytes < MAX_BATCH_BYTES && (frame = queue.poll()) != null) {
                batch[frames++] = frame;
                int added = frame.buffers(gather, buffers);
                for (int i = buffers; i < buffers + added; i++) {
                    bytes += gather[i].remaining();
                }
                buffers += added;
            }
            if (frames == 0) {
                return;
            }
            IOException error = failure;
            if (error == null) {
                error = write(buffers);
            }
            for (int i = 0; i < frames; i++) {
                Outgoing done = batch[i];
                batch[i] = null;
                done.written(error);
            }
            java.util.Arrays.fill(gather, 0, buffers, null);
        }
    }

    private IOException write(int count) {
        writeStartedNanos = System.nanoTime();
        try {
            int first = 0;
            while (first < count) {
                channel.write(gather, first, count - first);
                while (first < count && !gather[first].hasRemaining()) {
                    first++;
                }
            }
            return null;
        } catch (IOException e) {
            failure = e;
            listener.writeFailed(e);
            return e;
        } finally {
            writeStartedNanos = 0;
        }
    }
}
