package io.wharf.node.transport;

import io.wharf.storage.Volume;
import java.nio.ByteBuffer;

/**
 * A {@link Volume} whose I/O completes on another thread without a caller waiting for it (data on
 * other nodes: a {@link RemoteVolume}, or a synchronously replicated volume's target). The NBD
 * server starts reads, writes and flushes of at most 1 MiB and answers from whichever thread
 * completes them.
 */
public interface AsyncVolume extends Volume {
    /** The end of an asynchronous call: {@code failure} null on success, else what the synchronous call would have thrown. */
    @FunctionalInterface
    interface Done {
        void done(Exception failure);
    }

    /**
     * Starts reading {@code dst.remaining()} bytes from {@code offset} and returns; {@code done} is
     * called exactly once, from any thread (possibly this one, before returning), when {@code dst} is
     * filled or the read failed. {@code dst}'s position is left unchanged; nothing touches it after {@code done}.
     */
    void readAsync(long offset, ByteBuffer dst, Done done);

    /** As {@link #readAsync}, for a write of {@code src.remaining()} bytes; with {@code fua} durable before {@code done}. */
    void writeAsync(long offset, ByteBuffer src, boolean fua, Done done);

    /** As {@link #readAsync}, for a flush: {@code done} is called once every earlier write is durable. */
    void flushAsync(Done done);
}
