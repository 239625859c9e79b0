package io.wharf.metadata;

import java.util.Objects;

/**
 * What a {@link WatchListener} receives: changes in revision order (several changes of one
 * transaction share a revision and arrive in the transaction's op order), or, once and last,
 * the news that the history the watch needs is gone.
 */
public sealed interface WatchEvent {
    /** The revision of the change; for {@link Compacted}, the compact revision. */
    long revision();

    /** A key was created or changed. */
    record Put(KeyValue keyValue) implements WatchEvent {
        public Put {
            Objects.requireNonNull(keyValue, "keyValue");
        }

        @Override
        public long revision() {
            return keyValue.modRevision();
        }
    }

    /** A key was deleted, by a delete op or because its lease ended. */
    record Delete(Bytes key, long revision) implements WatchEvent {
        public Delete {
            Objects.requireNonNull(key, "key");
        }
    }

    /**
     * The watch asked for changes the store no longer keeps: history before
     * {@code compactRevision} is discarded. The watch has ended; re-list with
     * {@link ClusterStore#listing} and watch again from the listing's revision.
     */
    record Compacted(long compactRevision) implements WatchEvent {
        @Override
        public long revision() {
            return compactRevision;
        }
    }
}
