package io.wharf.csi;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One operation at a time per volume (and per name being created): a second call for a key
 * that is in flight is refused with ABORTED, which the spec provides for a CO that lost track
 * of its calls (the caller retries with backoff). Keys are namespaced by the caller
 * ({@code volume/NAME}, {@code snapshot-name/NAME}).
 */
public final class OperationLocks {
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();

    /** A held key; closing releases it. */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    /** Takes every key or none; ABORTED naming the busy one. */
    public Held acquire(String... keys) {
        for (int i = 0; i < keys.length; i++) {
            if (!inFlight.add(keys[i])) {
                for (int j = 0; j < i; j++) {
                    inFlight.remove(keys[j]);
                }
                throw CsiErrors.aborted("an operation on " + keys[i] + " is already in progress; retry later");
            }
        }
        return () -> {
            for (String key : keys) {
                inFlight.remove(key);
            }
        };
    }
}
