package io.wharf.backup;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where a restore writes: normally a new, empty volume of at least the backup's size.
 *
 * <p>Contract the caller must honour:
 * <ul>
 * <li>Before the restore the destination reads zeros everywhere (a new thin volume does): the
 *     engine writes only the chunks that hold data.</li>
 * <li>{@link #write} is called from several threads at once, for disjoint, chunk-aligned ranges.</li>
 * <li>On success the engine calls {@link #flush} last and reports success only after it returned.</li>
 * <li>On any failure after the restore started (missing or corrupt chunk, target or destination
 *     error, interrupt) the engine first waits until none of its writes is running, never writes
 *     again, then calls {@link #discard} once and throws. {@code discard} must make the half-written
 *     result unusable, normally by deleting the new volume; the caller must not attach or publish the
 *     destination before the restore returned normally.</li>
 * </ul>
 */
public interface RestoreDestination {
    long sizeBytes();

    void write(long offset, ByteBuffer src) throws IOException;

    /** Makes every write durable. */
    void flush() throws IOException;

    /** Drops a half-restored result; called at most once, after the last write. */
    void discard() throws IOException;
}
