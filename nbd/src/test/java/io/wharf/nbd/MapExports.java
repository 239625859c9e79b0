package io.wharf.nbd;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Exports in a map, for tests. */
final class MapExports implements NbdExports {
    private final Map<String, NbdExport> exports = new ConcurrentSkipListMap<>();
    final AtomicInteger lookups = new AtomicInteger();

    MapExports add(NbdExport export) {
        exports.put(export.name(), export);
        return this;
    }

    void remove(String name) {
        exports.remove(name);
    }

    @Override
    public Optional<NbdExport> find(String name) {
        lookups.incrementAndGet();
        return Optional.ofNullable(exports.get(name));
    }

    @Override
    public List<String> names() {
        return new ArrayList<>(exports.keySet());
    }
}
