package io.wharf.simulator.disk;

import io.wharf.storage.disk.FileOpener;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * One node's simulated disk for the storage engine's layer files, injected through
 * {@link FileOpener}. The pool's directory tree stays on a real (tmpfs) filesystem: each layer file
 * exists there as an empty placeholder, so the engine's directory operations (create in staging,
 * rename, delete, list) work unchanged, while the file's bytes live here, keyed by the placeholder's
 * inode (which a rename keeps). Everything else the pool writes (pool.meta, volume.meta, block-map
 * checkpoints) goes through {@code AtomicFile}, which syncs before it returns, so those files are
 * always durable and need no model.
 *
 * <p>A crash ends every channel opened before it ({@link #crash}): a process crash keeps the page
 * cache (every completed write stays, synced or not); a power loss keeps, per page, the durable
 * version or any version written since the last sync.
 */
public final class SimDisk {
    private final Map<Object, SimFile> files = new HashMap<>();
    private long nextSequence;
    private int generation;

    public FileOpener opener() {
        return this::open;
    }

    private FileChannel open(Path path, OpenOption... options) throws IOException {
        Set<OpenOption> set = Set.of(options);
        boolean createNew = set.contains(StandardOpenOption.CREATE_NEW);
        if (createNew) {
            Files.createFile(path); // FileAlreadyExistsException as the real thing
        } else if (set.contains(StandardOpenOption.CREATE) && !Files.exists(path)) {
            Files.createFile(path);
        } else if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString());
        }
        Object key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        if (key == null) {
            throw new IOException("the filesystem under " + path + " has no file keys; the simulator needs them");
        }
        SimFile file;
        if (createNew) {
            file = new SimFile(nextSequence++); // an inode can be reused after a delete: a new file starts empty
            files.put(key, file);
        } else {
            file = files.computeIfAbsent(key, _ -> new SimFile(nextSequence++));
        }
        return new SimFileChannel(this, file, generation);
    }

    int generation() {
        return generation;
    }

    /** Ends every open channel; with {@code powerLoss}, unsynced pages come back as chance decides. */
    public void crash(boolean powerLoss, SplittableRandom random) {
        generation++;
        if (!powerLoss) {
            return;
        }
        List<SimFile> ordered = files.values().stream().sorted(Comparator.comparingLong(file -> file.sequence)).toList();
        for (SimFile file : ordered) {
            file.powerLoss(random);
        }
    }

    /** Unsynced pages over all files (diagnostics). */
    public int unsyncedPages() {
        return files.values().stream().mapToInt(SimFile::unsyncedPages).sum();
    }

}
