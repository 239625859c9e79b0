package io.wharf.storage.tool;

import io.wharf.storage.Pool;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The layer-tree part of the crash workload run by {@link TreeCrashWriter}: after the writes and
 * flush of step {@code k}, one tree operation chosen by {@code k % 6} from the current state
 * (snapshot, clone of the current state, delete a snapshot (the second oldest when there are three,
 * a middle one), clone of the newest snapshot, delete the oldest clone, revert to the newest
 * snapshot). Child and parent keep the same model, so they agree on every choice; the model holds
 * the expected content of the volume, of every snapshot ({@code s<k>}) and of every clone
 * ({@code c<k>}, never written).
 */
public final class TreeCrashModel {
    /** One tree operation; {@link None} when the state offers none this step. */
    public sealed interface TreeOp permits Snapshot, CloneCurrent, CloneSnapshot, DeleteSnapshot, DeleteClone, Revert, None {}

    public record Snapshot(long k) implements TreeOp {}

    public record CloneCurrent(long k) implements TreeOp {}

    public record CloneSnapshot(long snapshot, long k) implements TreeOp {}

    public record DeleteSnapshot(long snapshot) implements TreeOp {}

    public record DeleteClone(long cloneStep) implements TreeOp {}

    public record Revert(long snapshot) implements TreeOp {}

    public record None() implements TreeOp {}

    private byte[] image;
    private final TreeMap<Long, byte[]> snapshots = new TreeMap<>();
    private final TreeMap<Long, byte[]> clones = new TreeMap<>();

    public TreeCrashModel(int volumeBytes) {
        this.image = new byte[volumeBytes];
    }

    private TreeCrashModel(TreeCrashModel from) {
        this.image = from.image.clone();
        this.snapshots.putAll(from.snapshots);
        this.clones.putAll(from.clones);
    }

    public TreeCrashModel copy() {
        return new TreeCrashModel(this);
    }

    public byte[] image() {
        return image;
    }

    public void image(byte[] newImage) {
        image = newImage;
    }

    /** Expected content per snapshot name. */
    public Map<String, byte[]> snapshots() {
        Map<String, byte[]> named = new TreeMap<>();
        snapshots.forEach((k, content) -> named.put("s" + k, content));
        return named;
    }

    /** Expected content per clone volume id. */
    public Map<String, byte[]> clones() {
        Map<String, byte[]> named = new TreeMap<>();
        clones.forEach((k, content) -> named.put("c" + k, content));
        return named;
    }

    /** The operation of step {@code k} in the current state. */
    public TreeOp opFor(long k) {
        return switch ((int) (k % 6)) {
            case 0 -> new Snapshot(k);
            case 1 -> new CloneCurrent(k);
            case 2 -> snapshots.size() >= 3 ? new DeleteSnapshot(snapshots.higherKey(snapshots.firstKey()))
                    : snapshots.size() == 2 ? new DeleteSnapshot(snapshots.firstKey()) : new None();
            case 3 -> snapshots.isEmpty() ? new None() : new CloneSnapshot(snapshots.lastKey(), k);
            case 4 -> clones.isEmpty() ? new None() : new DeleteClone(clones.firstKey());
            default -> snapshots.isEmpty() ? new None() : new Revert(snapshots.lastKey());
        };
    }

    /** Applies {@code op} to the model. */
    public void apply(TreeOp op) {
        switch (op) {
            case Snapshot s -> snapshots.put(s.k(), image.clone());
            case CloneCurrent c -> clones.put(c.k(), image.clone());
            case CloneSnapshot c -> clones.put(c.k(), snapshots.get(c.snapshot()));
            case DeleteSnapshot d -> snapshots.remove(d.snapshot());
            case DeleteClone d -> clones.remove(d.cloneStep());
            case Revert r -> image = snapshots.get(r.snapshot()).clone();
            case None n -> { }
        }
    }

    /** Runs {@code op} on the pool. */
    public static void run(Pool pool, String volumeId, TreeOp op) throws IOException {
        switch (op) {
            case Snapshot s -> pool.snapshot(volumeId, "s" + s.k());
            case CloneCurrent c -> pool.clone(volumeId, null, "c" + c.k());
            case CloneSnapshot c -> pool.clone(volumeId, "s" + c.snapshot(), "c" + c.k());
            case DeleteSnapshot d -> pool.deleteSnapshot(volumeId, "s" + d.snapshot());
            case DeleteClone d -> pool.delete("c" + d.cloneStep());
            case Revert r -> pool.revert(volumeId, "s" + r.snapshot());
            case None n -> { }
        }
    }
}
