package io.wharf.metadata;

import java.util.List;

/**
 * The keys under a prefix, sorted by key, as of {@code revision}. Re-list with this and then
 * {@linkplain ClusterStore#watch watch} from {@code revision}: no change is missed or seen twice.
 */
public record Listing(long revision, List<KeyValue> keyValues) {
    public Listing {
        keyValues = List.copyOf(keyValues);
    }
}
