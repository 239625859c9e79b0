package io.wharf.storage.tool;

import io.wharf.storage.Pool;
import io.wharf.storage.PoolConfig;
import io.wharf.storage.Volume;
import io.wharf.storage.layer.LayerOptions;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A process to kill during snapshot, clone, revert and snapshot deletion: creates volume
 * {@code crash} in a new pool, then for k = 1, 2, ...: runs the writes of {@link CrashWorkload}
 * step k, flushes, prints {@code FLUSHED k}, runs the tree operation {@link TreeCrashModel#opFor}
 * chooses, prints {@code OP k}. The parent replays the same model to know what each snapshot, clone
 * and the volume must hold.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp &lt;storage and core classes&gt; io.wharf.storage.tool.TreeCrashWriter \
 *     &lt;poolDir&gt; &lt;seed&gt; &lt;volumeBytes&gt; &lt;journalBytes&gt;
 * </pre>
 */
public final class TreeCrashWriter {
    private TreeCrashWriter() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: TreeCrashWriter <poolDir> <seed> <volumeBytes> <journalBytes>");
            System.exit(2);
        }
        Path poolDirectory = Path.of(args[0]);
        long seed = Long.parseLong(args[1]);
        int volumeBytes = Integer.parseInt(args[2]);
        long journalBytes = Long.parseLong(args[3]);
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.US_ASCII);
        CrashWorkload workload = new CrashWorkload(seed, volumeBytes);
        TreeCrashModel model = new TreeCrashModel(volumeBytes);
        try (Pool pool = Pool.open(poolDirectory, PoolConfig.defaults(),
                LayerOptions.DEFAULTS.withJournalBytes(journalBytes))) {
            Volume volume = pool.create("crash", volumeBytes);
            out.println("READY");
            for (long k = 1; ; k++) {
                for (CrashWorkload.Op op : workload.step(k)) {
                    CrashWorkload.run(volume, op);
                    CrashWorkload.apply(op, model.image());
                }
                volume.flush();
                out.println("FLUSHED " + k);
                TreeCrashModel.TreeOp op = model.opFor(k);
                TreeCrashModel.run(pool, "crash", op);
                model.apply(op);
                out.println("OP " + k);
            }
        }
    }
}
