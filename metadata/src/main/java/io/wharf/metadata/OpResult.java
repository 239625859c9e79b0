package io.wharf.metadata;

import java.util.Optional;

/** What one {@link Op} of a committed {@link Txn} did, in the order of the ops. */
public sealed interface OpResult {
    /** The key as it was before the put; empty if the put created it. */
    record Put(Optional<KeyValue> previous) implements OpResult {}

    /** The key as it was before the delete; empty if there was nothing to delete. */
    record Delete(Optional<KeyValue> previous) implements OpResult {
        public boolean deleted() {
            return previous.isPresent();
        }
    }
}
