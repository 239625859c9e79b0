package io.wharf.storage.tool;

import io.wharf.storage.Pool;
import io.wharf.storage.PoolConfig;
import io.wharf.storage.Volume;
import io.wharf.storage.layer.LayerOptions;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A process to kill: opens a pool, creates volume {@code <volumeId>} if missing, runs the steps of
 * {@link CrashWorkload} from {@code <firstSeq>}, and after the flush of each step returns prints
 * {@code FLUSHED <seq>} on stdout. A parent kills it with SIGKILL at any moment, reopens the pool
 * and calls {@link CrashWorkload#verify} with the image after the last printed step and the
 * operations of the next one.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp &lt;storage and core classes&gt; io.wharf.storage.tool.CrashWriter \
 *     &lt;poolDir&gt; &lt;volumeId&gt; &lt;seed&gt; &lt;firstSeq&gt; &lt;volumeBytes&gt; [journalBytes] [steps]
 * </pre>
 *
 * {@code journalBytes} (default 16 KiB) is small so that checkpoints happen often and get killed
 * too; {@code steps} 0 (default) runs until killed. Prints {@code READY} after opening and
 * {@code DONE} after a clean close. Exit code 2 for bad arguments.
 */
public final class CrashWriter {
    private CrashWriter() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 5 || args.length > 7) {
            System.err.println("usage: CrashWriter <poolDir> <volumeId> <seed> <firstSeq> <volumeBytes> [journalBytes] [steps]");
            System.exit(2);
        }
        Path poolDirectory = Path.of(args[0]);
        String volumeId = args[1];
        long seed = Long.parseLong(args[2]);
        long firstSequence = Long.parseLong(args[3]);
        long volumeBytes = Long.parseLong(args[4]);
        long journalBytes = args.length > 5 ? Long.parseLong(args[5]) : 16 * 1024;
        long steps = args.length > 6 ? Long.parseLong(args[6]) : 0;
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.US_ASCII);
        CrashWorkload workload = new CrashWorkload(seed, volumeBytes);
        try (Pool pool = Pool.open(poolDirectory, PoolConfig.defaults(),
                LayerOptions.DEFAULTS.withJournalBytes(journalBytes))) {
            Volume volume = pool.volume(volumeId).isPresent() ? pool.volume(volumeId).get()
                    : pool.create(volumeId, volumeBytes);
            out.println("READY");
            for (long sequence = firstSequence; steps == 0 || sequence < firstSequence + steps; sequence++) {
                for (CrashWorkload.Op op : workload.step(sequence)) {
                    CrashWorkload.run(volume, op);
                }
                volume.flush();
                out.println("FLUSHED " + sequence);
            }
        }
        out.println("DONE");
    }
}
