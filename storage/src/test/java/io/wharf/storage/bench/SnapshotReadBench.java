package io.wharf.storage.bench;

import io.wharf.storage.Pool;
import io.wharf.storage.PoolConfig;
import io.wharf.storage.Volume;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * Storage-level benchmark: 4 KiB random reads through {@link Volume#read} on volumes whose chains
 * hold 0, 10 and 60 snapshots, with no network and no fio in the way. Not a JUnit test; run it with
 * {@code bench/snapshot-reads-storage.sh}.
 *
 * <p>Fair by construction: every volume gets the same write history (a sequential fill of the
 * working set with 1 MiB writes, then {@code overwriteRounds} rounds of {@code blocksPerRound}
 * scattered 4 KiB overwrites, the same blocks and bytes for every volume, each round flushed); the
 * volume with {@code n} snapshots takes them after its first {@code n} rounds. So the volumes differ
 * only in which layer file holds a block. Before measuring, a sample of blocks is read from every
 * volume (and from the layer files directly, see below) and compared with the expected content.
 *
 * <p>Two read paths per volume: {@code engine} ({@link Volume#read}: gate, index lookup, the layer's
 * {@code pread}) and {@code pread}, a control that reads the same blocks with a plain
 * {@link java.nio.channels.FileChannel#read(ByteBuffer, long)} straight from the layer file that
 * holds them (known from the write history; its own descriptors on the same files, so the same page
 * cache). Whatever {@code pread} loses with more snapshots is the kernel's (page-cache layout of
 * the files); the engine's own cost is {@code engine / pread}, which must not depend on the chain.
 *
 * <p>Measurement: after a warm-up, {@code rounds} rounds; in each, every thread count, every volume
 * and both paths get one sample of {@code seconds}, the volumes in an order that rotates from round to
 * round, so drift in machine load spreads over all of them. Printed: per sample IOPS; per
 * (threads, snapshots, path) the median, the spread ((max - min) / median), the ratio of medians to
 * the 0-snapshot volume, the median of the per-round ratios (each between samples taken seconds
 * apart, so less sensitive to load changing between rounds) and the median CPU time per read (user
 * and system, from the reader threads' CPU clocks: less sensitive to other processes than IOPS) with
 * its ratio to the 0-snapshot volume's.
 *
 * <p>Arguments are {@code key=value}: {@code dir} (required, an empty or missing directory),
 * {@code volumeMiB} (1024), {@code workingSetMiB} (512), {@code snapshots} (0,10,60),
 * {@code overwriteRounds} (60), {@code blocksPerRound} (1310, 1% of 512 MiB), {@code threads}
 * (1,2,8), {@code rounds} (5), {@code seconds} (2), {@code warmupSeconds} (2), {@code seed} (1),
 * {@code cache} ({@code written}: the page cache as the writes left it; {@code reread}: dropped and
 * refilled the same way for every volume, see {@link #reread}).
 */
public final class SnapshotReadBench {
    private static final int BLOCK = 4096;
    private static final int FILL_BYTES = 1024 * 1024;
    private static final int VERIFY_BLOCKS = 4096;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final List<String> PATHS = List.of("engine", "pread");

    private record Config(Path directory, long volumeBytes, long workingSetBlocks, int[] snapshotCounts,
                          int overwriteRounds, int blocksPerRound, int[] threadCounts, int rounds,
                          double seconds, double warmupSeconds, long seed, boolean reread) {
        private static final List<String> KEYS = List.of("volumeMiB", "workingSetMiB", "snapshots",
                "overwriteRounds", "blocksPerRound", "threads", "rounds", "seconds", "warmupSeconds", "seed", "cache");

        static Config parse(String[] args) {
            Map<String, String> values = new HashMap<>();
            for (String arg : args) {
                int equals = arg.indexOf('=');
                if (equals <= 0) {
                    throw new IllegalArgumentException("argument " + arg + " is not key=value");
                }
                values.put(arg.substring(0, equals), arg.substring(equals + 1));
            }
            String directory = values.remove("dir");
            if (directory == null) {
                throw new IllegalArgumentException("dir=<directory> is required");
            }
            if (!KEYS.containsAll(values.keySet())) {
                throw new IllegalArgumentException("unknown arguments in " + values.keySet() + "; known: dir, " + KEYS);
            }
            Config config = new Config(Path.of(directory),
                    Long.parseLong(values.getOrDefault("volumeMiB", "1024")) << 20,
                    (Long.parseLong(values.getOrDefault("workingSetMiB", "512")) << 20) / BLOCK,
                    ints(values.getOrDefault("snapshots", "0,10,60")),
                    Integer.parseInt(values.getOrDefault("overwriteRounds", "60")),
                    Integer.parseInt(values.getOrDefault("blocksPerRound", "1310")),
                    ints(values.getOrDefault("threads", "1,2,8")),
                    Integer.parseInt(values.getOrDefault("rounds", "5")),
                    Double.parseDouble(values.getOrDefault("seconds", "2")),
                    Double.parseDouble(values.getOrDefault("warmupSeconds", "2")),
                    Long.parseLong(values.getOrDefault("seed", "1")),
                    switch (values.getOrDefault("cache", "written")) {
                        case "written" -> false;
                        case "reread" -> true;
                        default -> throw new IllegalArgumentException("cache must be written or reread");
                    });
            if (config.workingSetBlocks * BLOCK > config.volumeBytes || config.workingSetBlocks * BLOCK % FILL_BYTES != 0
                    || config.workingSetBlocks == 0) {
                throw new IllegalArgumentException("the working set must be whole MiB within the volume");
            }
            if (config.snapshotCounts[0] != 0) {
                throw new IllegalArgumentException("the first snapshot count is the baseline and must be 0");
            }
            for (int n : config.snapshotCounts) {
                if (n < 0 || n > config.overwriteRounds) {
                    throw new IllegalArgumentException("snapshot count " + n + " must be within 0.." + config.overwriteRounds);
                }
            }
            return config;
        }

        private static int[] ints(String list) {
            return Arrays.stream(list.split(",")).mapToInt(Integer::parseInt).toArray();
        }
    }

    /** Reads one 4 KiB block into {@code dst} (position 0, limit 4 KiB). */
    @FunctionalInterface
    private interface BlockReader {
        void read(long block, ByteBuffer dst) throws IOException;
    }

    /** One sample: reads per second (wall clock) and CPU nanoseconds per read, user and system (kernel). */
    private record Sample(double iops, double userNanosPerRead, double systemNanosPerRead) {}

    private SnapshotReadBench() {}

    public static void main(String[] args) throws Exception {
        Config config = Config.parse(args);
        Files.createDirectories(config.directory());
        try (Pool pool = Pool.open(config.directory().resolve("pool"), PoolConfig.defaults())) {
            long started = System.nanoTime();
            int[] lastRound = prepare(pool, config);
            List<Volume> volumes = new ArrayList<>();
            List<LayerFiles> files = new ArrayList<>();
            for (int n : config.snapshotCounts()) {
                volumes.add(pool.volume(volumeId(n)).orElseThrow());
                files.add(LayerFiles.open(pool.directory().resolve("volumes").resolve(volumeId(n)), n, lastRound));
            }
            try {
                if (config.reread()) {
                    reread(pool.directory(), volumes, config.workingSetBlocks(), config.seed());
                }
                verify(volumes, files, lastRound, config.seed());
                System.out.printf(Locale.ROOT, "prepared %d volumes in %.1f s: %d MiB filled, %d rounds of %d overwrites"
                                + " (%.1f%% of the working set overwritten at least once), content verified%n"
                                + "page cache %s%n",
                        volumes.size(), (System.nanoTime() - started) / 1e9, config.workingSetBlocks() * BLOCK >> 20,
                        config.overwriteRounds(), config.blocksPerRound(),
                        100.0 * Arrays.stream(lastRound).filter(round -> round > 0).count() / lastRound.length,
                        config.reread() ? "dropped, then refilled by one 4 KiB read of every block in random order"
                                : "as the writes left it");
                measure(config, volumes, files);
            } finally {
                for (LayerFiles layerFiles : files) {
                    layerFiles.close();
                }
            }
        }
    }

    private static String volumeId(int snapshots) {
        return "chain-" + snapshots;
    }

    /** Writes the same history into every volume; returns, per block, the last round that wrote it (0 = fill). */
    private static int[] prepare(Pool pool, Config config) throws IOException {
        int[] lastRound = new int[(int) config.workingSetBlocks()];
        ByteBuffer fill = ByteBuffer.allocateDirect(FILL_BYTES);
        ByteBuffer block = ByteBuffer.allocateDirect(BLOCK);
        List<Volume> volumes = new ArrayList<>();
        for (int n : config.snapshotCounts()) {
            volumes.add(pool.create(volumeId(n), config.volumeBytes()));
        }
        for (long first = 0; first < config.workingSetBlocks(); first += FILL_BYTES / BLOCK) {
            for (int b = 0; b < FILL_BYTES / BLOCK; b++) {
                content(fill, b * BLOCK, first + b, 0);
            }
            for (Volume volume : volumes) {
                volume.write(first * BLOCK, fill.clear());
            }
        }
        for (Volume volume : volumes) {
            volume.flush();
        }
        for (int round = 1; round <= config.overwriteRounds(); round++) {
            SplittableRandom random = new SplittableRandom(config.seed() * 1_000_003L + round);
            for (int i = 0; i < config.blocksPerRound(); i++) {
                long b = random.nextLong(config.workingSetBlocks());
                content(block, 0, b, round);
                for (Volume volume : volumes) {
                    volume.write(b * BLOCK, block.clear());
                }
                lastRound[(int) b] = round;
            }
            for (int v = 0; v < volumes.size(); v++) {
                volumes.get(v).flush();
                int n = config.snapshotCounts()[v];
                if (round <= n) {
                    pool.snapshot(volumeId(n), "s" + round);
                }
            }
        }
        return lastRound;
    }

    /**
     * Drops every layer file from the page cache, then reads each volume's working set once, 4 KiB at
     * a time in a random order: every volume's cached blocks then came in the same way (not, for some,
     * as large folios left by sequential writes), whatever layer they live in.
     */
    private static void reread(Path poolDirectory, List<Volume> volumes, long blocks, long seed) throws IOException {
        try (Stream<Path> files = Files.walk(poolDirectory)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".layer")).toList()) {
                PageCache.drop(file);
            }
        }
        int[] order = new int[(int) blocks];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        ByteBuffer buffer = ByteBuffer.allocateDirect(BLOCK);
        for (Volume volume : volumes) {
            for (int b : order) {
                volume.read((long) b * BLOCK, buffer.clear());
            }
        }
    }

    /** A block's bytes: its number and the round that wrote it, then a pattern of both. */
    private static void content(ByteBuffer buffer, int at, long block, int round) {
        long word = block * 0x9E3779B97F4A7C15L ^ round;
        for (int i = 0; i < BLOCK; i += Long.BYTES) {
            buffer.putLong(at + i, i == 0 ? block : i == 8 ? round : word + i);
        }
    }

    private static void verify(List<Volume> volumes, List<LayerFiles> files, int[] lastRound, long seed)
            throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        ByteBuffer expected = ByteBuffer.allocateDirect(BLOCK);
        ByteBuffer actual = ByteBuffer.allocateDirect(BLOCK);
        for (int i = 0; i < VERIFY_BLOCKS; i++) {
            int b = random.nextInt(lastRound.length);
            content(expected, 0, b, lastRound[b]);
            for (int v = 0; v < volumes.size(); v++) {
                volumes.get(v).read((long) b * BLOCK, actual.clear());
                check(actual, expected, volumes.get(v).id() + " (engine)", b, lastRound[b]);
                files.get(v).read(b, actual.clear());
                check(actual, expected, volumes.get(v).id() + " (pread)", b, lastRound[b]);
            }
        }
    }

    private static void check(ByteBuffer actual, ByteBuffer expected, String what, int block, int round) {
        if (!actual.flip().equals(expected.clear())) {
            throw new IllegalStateException(what + " block " + block + " does not hold round " + round
                    + " (holds round " + actual.getLong(8) + " of block " + actual.getLong(0) + ")");
        }
    }

    private static void measure(Config config, List<Volume> volumes, List<LayerFiles> files)
            throws InterruptedException {
        int[] counts = config.snapshotCounts();
        List<List<BlockReader>> readers = new ArrayList<>(); // [path][volume]
        List<BlockReader> engine = new ArrayList<>();
        for (Volume volume : volumes) {
            engine.add((block, dst) -> volume.read(block * BLOCK, dst));
        }
        readers.add(engine);
        readers.add(List.copyOf(files.stream().<BlockReader>map(f -> f::read).toList()));
        for (int threads : config.threadCounts()) {
            for (int v = 0; v < volumes.size(); v++) {
                for (int p = 0; p < PATHS.size(); p++) {
                    sample(readers.get(p).get(v), threadName(counts[v], p), threads, config.warmupSeconds(),
                            config.workingSetBlocks(), config.seed());
                }
            }
        }
        Sample[][][][] samples = new Sample[config.threadCounts().length][PATHS.size()][volumes.size()][config.rounds()];
        System.out.printf(Locale.ROOT, "%nsamples (IOPS, engine/pread), %.1f s each, 4 KiB random reads over %d MiB%n",
                config.seconds(), config.workingSetBlocks() * BLOCK >> 20);
        for (int round = 0; round < config.rounds(); round++) {
            StringBuilder line = new StringBuilder("round " + (round + 1) + ":");
            for (int t = 0; t < config.threadCounts().length; t++) {
                int threads = config.threadCounts()[t];
                for (int k = 0; k < volumes.size(); k++) {
                    int v = (k + round) % volumes.size();
                    line.append(String.format(Locale.ROOT, "  %dt/%ds", threads, counts[v]));
                    for (int j = 0; j < PATHS.size(); j++) {
                        int p = (j + round) % PATHS.size();
                        Sample sample = sample(readers.get(p).get(v), threadName(counts[v], p), threads, config.seconds(),
                                config.workingSetBlocks(), config.seed() + round * 7919L + v);
                        samples[t][p][v][round] = sample;
                    }
                    line.append(String.format(Locale.ROOT, " %.0f/%.0f", samples[t][0][v][round].iops(),
                            samples[t][1][v][round].iops()));
                }
            }
            System.out.println(line);
        }
        report(config, samples);
    }

    /** {@code chain-60e} (engine) or {@code chain-60p} (pread): profilers group samples by thread name. */
    private static String threadName(int snapshots, int path) {
        return volumeId(snapshots) + PATHS.get(path).charAt(0);
    }

    private static void report(Config config, Sample[][][][] samples) {
        int[] counts = config.snapshotCounts();
        System.out.printf(Locale.ROOT, "%n%-7s %-9s %-6s %11s %7s %6s %7s %15s %9s %12s%n", "threads", "snapshots",
                "path", "median IOPS", "spread", "ratio", "paired", "CPU us/read u+s", "CPU ratio", "engine/pread");
        for (int t = 0; t < config.threadCounts().length; t++) {
            for (int v = 0; v < counts.length; v++) {
                for (int p = 0; p < PATHS.size(); p++) {
                    double[] iops = iops(samples[t][p][v]);
                    double[] baseIops = iops(samples[t][p][0]);
                    double median = median(iops);
                    double[] paired = new double[iops.length];
                    double[] overPread = new double[iops.length];
                    for (int r = 0; r < iops.length; r++) {
                        paired[r] = iops[r] / baseIops[r];
                        overPread[r] = samples[t][0][v][r].iops() / samples[t][1][v][r].iops();
                    }
                    double user = median(user(samples[t][p][v]));
                    double system = median(system(samples[t][p][v]));
                    double cpu = median(cpu(samples[t][p][v]));
                    double baseCpu = median(cpu(samples[t][p][0]));
                    System.out.printf(Locale.ROOT, "%-7d %-9d %-6s %11.0f %6.1f%% %6.3f %7.3f %9.2f+%.2f %9.3f %12s%n",
                            config.threadCounts()[t], counts[v], PATHS.get(p), median,
                            100 * (max(iops) - min(iops)) / median, median / median(baseIops), median(paired),
                            user / 1000, system / 1000, baseCpu / cpu,
                            p == 0 ? String.format(Locale.ROOT, "%.3f", median(overPread)) : "");
                }
            }
        }
        System.out.println("spread: (max - min) / median; ratio: median IOPS over the 0-snapshot volume's (same path and"
                + " threads); paired: median of the per-round ratios; CPU ratio: the 0-snapshot volume's median CPU time"
                + " per read over this one's (reads per CPU-second, less sensitive to other load); engine/pread: median of"
                + " the per-round ratios of the two paths");
    }

    private static double[] user(Sample[] samples) {
        return Arrays.stream(samples).mapToDouble(Sample::userNanosPerRead).toArray();
    }

    private static double[] system(Sample[] samples) {
        return Arrays.stream(samples).mapToDouble(Sample::systemNanosPerRead).toArray();
    }

    private static double[] cpu(Sample[] samples) {
        return Arrays.stream(samples).mapToDouble(s -> s.userNanosPerRead() + s.systemNanosPerRead()).toArray();
    }

    private static double[] iops(Sample[] samples) {
        return Arrays.stream(samples).mapToDouble(Sample::iops).toArray();
    }

    /** Runs {@code threads} readers of random 4 KiB blocks for {@code seconds}. */
    private static Sample sample(BlockReader reader, String name, int threads, double seconds, long blocks, long seed)
            throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch start = new CountDownLatch(1);
        long[] reads = new long[threads];
        long[] userNanos = new long[threads];
        long[] cpuNanos = new long[threads];
        Throwable[] failure = new Throwable[1];
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            int slot = i;
            SplittableRandom random = new SplittableRandom(seed * 31 + i);
            workers.add(Thread.ofPlatform().name(name + i).start(() -> {
                ByteBuffer buffer = ByteBuffer.allocateDirect(BLOCK);
                long count = 0;
                long cpu = 0;
                long user = 0;
                try {
                    ready.countDown();
                    start.await();
                    cpu = THREADS.getCurrentThreadCpuTime();
                    user = THREADS.getCurrentThreadUserTime();
                    while (!stop.get()) {
                        reader.read(random.nextLong(blocks), buffer.clear());
                        count++;
                    }
                    cpu = THREADS.getCurrentThreadCpuTime() - cpu;
                    user = THREADS.getCurrentThreadUserTime() - user;
                } catch (Throwable e) {
                    synchronized (failure) {
                        failure[0] = e;
                    }
                }
                synchronized (reads) {
                    reads[slot] = count;
                    cpuNanos[slot] = cpu;
                    userNanos[slot] = user;
                }
            }));
        }
        ready.await();
        long begin = System.nanoTime();
        start.countDown();
        Thread.sleep((long) (seconds * 1000));
        stop.set(true);
        for (Thread worker : workers) {
            worker.join();
        }
        long elapsed = System.nanoTime() - begin;
        synchronized (failure) {
            if (failure[0] != null) {
                throw new IllegalStateException("a reader failed", failure[0]);
            }
        }
        synchronized (reads) {
            double total = Math.max(1, Arrays.stream(reads).sum());
            double user = Arrays.stream(userNanos).sum() / total;
            return new Sample(total / (elapsed / 1e9), user, Arrays.stream(cpuNanos).sum() / total - user);
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElseThrow();
    }

    private static double max(double[] values) {
        return Arrays.stream(values).max().orElseThrow();
    }
}
