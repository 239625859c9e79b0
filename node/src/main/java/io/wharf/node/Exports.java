package io.wharf.node;

import io.wharf.nbd.GrowableExport;
import io.wharf.nbd.NbdExport;
import io.wharf.nbd.NbdExports;
import io.wharf.storage.SnapshotVolume;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the NBD server serves: every ready volume under its name, and every ready snapshot,
 * read-only, under {@code volume@snapshot}. Snapshot views are opened on first use and closed
 * when their snapshot or volume goes away. A volume is also served under {@code volume+growable}
 * ({@link GrowableExport}, the largest volume size as its ceiling), for clients that follow it
 * as it grows online; that name is not listed.
 */
final class Exports implements NbdExports {
    private static final Logger log = LoggerFactory.getLogger(Exports.class);

    /** Opens the read-only view of a ready snapshot, or says there is none. */
    interface SnapshotOpener {
        Optional<SnapshotVolume> open(String volume, String snapshot) throws IOException;

        /** Names ({@code volume@snapshot}) of every ready snapshot. */
        List<String> names();
    }

    private final Map<String, VolumeExport> volumes = new ConcurrentHashMap<>();
    private final Map<String, VolumeExport> snapshots = new ConcurrentHashMap<>();
    private volatile SnapshotOpener opener;

    void opener(SnapshotOpener snapshotOpener) {
        this.opener = snapshotOpener;
    }

    void putVolume(VolumeExport export) {
        volumes.put(export.name(), export);
    }

    Optional<VolumeExport> volume(String name) {
        return Optional.ofNullable(volumes.get(name));
    }

    List<String> volumeNames() {
        return volumes.keySet().stream().sorted().toList();
    }

    void removeVolume(String name) {
        volumes.remove(name);
        for (String key : List.copyOf(snapshots.keySet())) {
            if (key.startsWith(name + "@")) {
                closeSnapshot(key);
            }
        }
    }

    /** The snapshot views of {@code volume} open now ({@code volume@snapshot} names). */
    List<String> openSnapshots(String volume) {
        return snapshots.keySet().stream().filter(key -> key.startsWith(volume + "@")).sorted().toList();
    }

    /** Stops serving {@code volume@snapshot} and closes its view. */
    void closeSnapshot(String exportName) {
        VolumeExport export = snapshots.remove(exportName);
        if (export != null && export.volume() instanceof SnapshotVolume view) {
            try {
                view.close();
            } catch (Exception e) {
                log.atWarn().addKeyValue("export", exportName).setCause(e).log("closing a snapshot view failed");
            }
        }
    }

    @Override
    public Optional<NbdExport> find(String name) {
        VolumeExport volume = volumes.get(name);
        if (volume != null) {
            return Optional.of(volume);
        }
        Optional<String> growable = GrowableExport.volumeOf(name);
        if (growable.isPresent()) {
            return Optional.ofNullable(volumes.get(growable.get()))
                    .map(export -> new GrowableExport(name, export, VolumeService.MAX_VOLUME_BYTES));
        }
        int at = name.indexOf('@');
        SnapshotOpener current = opener;
        if (at <= 0 || current == null) {
            return Optional.empty();
        }
        VolumeExport cached = snapshots.get(name);
        if (cached != null) {
            return Optional.of(cached);
        }
        synchronized (this) {
            cached = snapshots.get(name);
            if (cached != null) {
                return Optional.of(cached);
            }
            try {
                Optional<SnapshotVolume> view = current.open(name.substring(0, at), name.substring(at + 1));
                if (view.isEmpty()) {
                    return Optional.empty();
                }
                VolumeExport export = new VolumeExport(name, view.get(), true);
                snapshots.put(name, export);
                return Optional.of(export);
            } catch (IOException | RuntimeException e) {
                log.atWarn().addKeyValue("export", name).setCause(e).log("cannot open snapshot view");
                return Optional.empty();
            }
        }
    }

    @Override
    public List<String> names() {
        List<String> names = new ArrayList<>(volumeNames());
        SnapshotOpener current = opener;
        if (current != null) {
            names.addAll(current.names());
        }
        return names;
    }

    /** Every export whose I/O counters the metrics show. */
    List<VolumeExport> all() {
        List<VolumeExport> all = new ArrayList<>(volumes.values());
        all.addAll(snapshots.values());
        return all;
    }

    void closeAll() {
        for (String key : List.copyOf(snapshots.keySet())) {
            closeSnapshot(key);
        }
        volumes.clear();
    }
}
