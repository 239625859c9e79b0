package io.wharf.cli.mount;

import io.wharf.core.ErrorCode;
import io.wharf.core.Names;
import io.wharf.core.WharfException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Mounts a volume's filesystem on this machine and undoes it: NBD export, then block device
 * (kernel NBD, or nbdfuse plus a loop device), then filesystem (made if the volume is blank),
 * then mount. Every step is recorded before the next one starts (see {@link MountRecord}), so a
 * failure rolls back exactly what was done and {@link #unmount} undoes it in reverse.
 *
 * <p>Used by {@code wharf volume mount}; written to be reused by a CSI node plugin. Needs root.
 */
public final class LocalMounter {
    private static final SecureRandom IDS = new SecureRandom();
    private static final String FUSE_FILE = "nbd";

    private final MountSettings settings;
    private final MountRegistry registry;
    private final CommandRunner commands;

    public LocalMounter(MountSettings settings) {
        this.settings = settings;
        this.registry = new MountRegistry(settings.stateRoot());
        this.commands = new CommandRunner(settings.timeout());
    }

    /** {@link ErrorCode#PERMISSION_DENIED} unless this process runs as root. */
    public void requireRoot() {
        if (!settings.runningAsRoot()) {
            throw new WharfException(ErrorCode.PERMISSION_DENIED, "mounting and unmounting volumes needs root",
                    "run the command as root, e.g. with sudo");
        }
    }

    /** The mounts this machine has, as recorded. */
    public List<MountRecord> mounts() {
        return registry.all();
    }

    /** The recorded mount (or block attachment) at {@code path}, if any. */
    public Optional<MountRecord> mountAt(Path path) {
        return registry.byPath(canonical(path));
    }

    public MountRecord mount(MountRequest request) {
        requireRoot();
        Names.requireValid("volume", request.volume());
        NbdTarget target = NbdTarget.parse(request.nbdUri());
        Path path = canonical(request.path());
        try (MountRegistry.Lock _ = registry.lock()) {
            refuseIfTaken(request.volume(), path, request.blockOnly());
            boolean kernel = useKernelNbd();
            requireTools(kernel, request.growable());
            if (request.filesystem() != null && !request.blockOnly()) {
                commands.require(request.filesystem().mkfsTool());
            }
            URI connected = request.growable() ? target.growable().uri() : request.nbdUri();
            MountRecord record = MountRecord.start(request.volume() + "-" + HexFormat.of().toHexDigits(IDS.nextInt()),
                    request.volume(), connected.toString(), path, kernel ? MountRecord.KERNEL_NBD
                            : MountRecord.NBDFUSE, request.blockOnly(), request.options());
            registry.create(record);
            Steps steps = new Steps(record);
            try {
                attachDevice(steps, target, request, kernel);
                if (request.blockOnly()) {
                    return steps.record;
                }
                String type = prepareFilesystem(steps.record.device(), request);
                steps.save(steps.record.withFilesystem(type));
                boolean created = !Files.exists(path);
                Files.createDirectories(path);
                steps.save(steps.record.withPath(path.toRealPath(), created));
                List<String> mount = new ArrayList<>(List.of("-t", type));
                List<String> options = new ArrayList<>(request.options());
                if (type.equals(Filesystem.XFS.type()) && !options.contains("nouuid")) {
                    // a clone or restored snapshot has its source's XFS UUID, and XFS refuses to
                    // mount a second filesystem with a UUID already mounted on this machine
                    options.add("nouuid");
                }
                if (!options.isEmpty()) {
                    mount.addAll(List.of("-o", String.join(",", options)));
                }
                mount.addAll(List.of(steps.record.device(), steps.record.path()));
                commands.runChecked("mount", mount.toArray(String[]::new));
                steps.save(steps.record.withMounted(true, Instant.now().toString()));
                return steps.record;
            } catch (IOException | RuntimeException e) {
                throw rollBack(steps.record, e);
            }
        }
    }

    /**
     * The block device step: kernel NBD, or nbdfuse plus a loop device; for a growable request the
     * growable export instead, under a loop device limited to the volume's size.
     */
    private void attachDevice(Steps steps, NbdTarget target, MountRequest request, boolean kernel) throws IOException {
        if (kernel) {
            attachKernelNbd(steps, request.growable() ? target.growable() : target, request.sizeBytes());
        } else {
            attachNbdfuse(steps, request.sizeBytes(), request.growable());
        }
        if (request.growable()) {
            attachSizeLimitedLoop(steps, target, request.sizeBytes());
        }
    }

    /** Undoes the mount at {@code path} in reverse: unmount, release the device, stop nbdfuse, forget. */
    public MountRecord unmount(Path requestedPath) {
        requireRoot();
        Path path = canonical(requestedPath);
        try (MountRegistry.Lock _ = registry.lock()) {
            MountRecord record = registry.byPath(path).orElseThrow(() -> notMounted(path));
            undo(record, false);
            return record;
        }
    }

    private WharfException notMounted(Path path) {
        Optional<MountTable.Entry> other = MountTable.at(path);
        String message = other.isPresent()
                ? path + " is mounted (" + other.get().source() + ", " + other.get().type() + "), but not by wharf"
                : "nothing is mounted at " + path + " by wharf";
        return new WharfException(ErrorCode.NOT_MOUNTED, message,
                "`wharf volume unmount` undoes mounts made by `wharf volume mount`; they are recorded in "
                        + registry.root());
    }

    private void refuseIfTaken(String volume, Path path, boolean blockOnly) {
        Optional<MountRecord> atPath = registry.byPath(path);
        if (atPath.isPresent()) {
            throw new WharfException(ErrorCode.ALREADY_MOUNTED,
                    path + " is already mounted (volume '" + atPath.get().volume() + "')",
                    "unmount it first: wharf volume unmount " + path);
        }
        Optional<MountRecord> ofVolume = registry.byVolume(volume);
        if (ofVolume.isPresent()) {
            throw new WharfException(ErrorCode.ALREADY_MOUNTED,
                    "volume '" + volume + "' is already mounted at " + ofVolume.get().path(),
                    "use it there, or unmount it first: wharf volume unmount " + ofVolume.get().path());
        }
        Optional<MountTable.Entry> other = MountTable.at(path);
        if (blockOnly) {
            if (!Files.isDirectory(path)) {
                throw new WharfException(ErrorCode.INVALID_ARGUMENT, path + " is not a directory",
                        "give an existing directory to name the attachment by");
            }
            return;
        }
        if (other.isPresent()) {
            throw new WharfException(ErrorCode.ALREADY_MOUNTED, path + " is already a mount point ("
                    + other.get().source() + ", " + other.get().type() + ")",
                    "choose another directory, or unmount what is mounted there first");
        }
        if (Files.exists(path) && !Files.isDirectory(path)) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, path + " exists and is not a directory",
                    "give a directory to mount on; it is created if missing");
        }
    }

    private boolean useKernelNbd() {
        return switch (settings.transport()) {
            case KERNEL_NBD -> true;
            case NBDFUSE -> false;
            case AUTO -> Files.exists(Path.of("/dev/nbd0")) && commands.has("nbd-client");
        };
    }

    private void requireTools(boolean kernel, boolean growable) {
        List<String> tools = new ArrayList<>(kernel ? List.of("nbd-client", "blkid", "mount", "umount")
                : List.of("nbdfuse", "setsid", "fusermount3", "losetup", "blkid", "mount", "umount"));
        if (kernel && growable) {
            tools.add("losetup");
        }
        tools.forEach(commands::require);
    }

    /** The record of a mount in progress, saved after every step. */
    private final class Steps {
        MountRecord record;

        Steps(MountRecord record) {
            this.record = record;
        }

        void save(MountRecord next) {
            registry.save(next);
            record = next;
        }
    }

    private void attachNbdfuse(Steps steps, long sizeBytes, boolean growable) throws IOException {
        Path directory = registry.directory(steps.record);
        Path fuseDir = Files.createDirectory(directory.resolve("fuse"));
        Path pidFile = directory.resolve("nbdfuse.pid");
        Path log = directory.resolve("nbdfuse.log");
        Process nbdfuse = commands.startDetached("nbdfuse",
                List.of("-P", pidFile.toString(), fuseDir.toString(), steps.record.nbdUri()), log);
        steps.save(steps.record.withFuse(fuseDir.toString(), nbdfuse.pid()));
        Path file = fuseDir.resolve(FUSE_FILE);
        // setsid exits 0 at once if it had to fork; nbdfuse then goes on without us, and the pid file tells.
        boolean ready = Deadline.after(settings.timeout()).await(() -> failed(nbdfuse)
                || (Files.exists(pidFile) && MountTable.isMountPoint(fuseDir) && Files.exists(file)));
        if (failed(nbdfuse)) {
            throw new WharfException(ErrorCode.MOUNT_FAILED, "nbdfuse could not attach " + steps.record.nbdUri()
                    + " (exit " + nbdfuse.exitValue() + "): " + tail(log), "check that the node serving the volume"
                    + " is running and that this machine can reach it");
        }
        if (!ready) {
            throw new WharfException(ErrorCode.MOUNT_FAILED, "nbdfuse did not present " + steps.record.nbdUri()
                    + " within " + settings.timeout().toSeconds() + "s" + (tail(log).isEmpty() ? "" : ": " + tail(log)),
                    "check that the node serving the volume is running and that this machine can reach it");
        }
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        if (pid != steps.record.nbdfusePid()) {
            steps.save(steps.record.withFuse(fuseDir.toString(), pid));
        }
        if (growable) {
            return; // the size-limited loop device comes next
        }
        requireSize(Files.size(file), sizeBytes, steps.record.nbdUri());
        CommandRunner.Result loop = commands.runChecked("losetup", "--find", "--show", "--direct-io=on",
                file.toString());
        steps.save(steps.record.withLoopDevice(loop.stdout().strip(), 0));
    }

    /**
     * A loop device over the growable export (nbdfuse's file or the kernel NBD device, both of the
     * export's ceiling size), limited to the size the volume's own export serves now: the device
     * the filesystem lives on, which {@link #grow} raises later.
     */
    private void attachSizeLimitedLoop(Steps steps, NbdTarget volume, long sizeBytes) {
        long served = NbdExportSize.of(volume, settings.timeout());
        requireSize(served, sizeBytes, volume.uri().toString());
        String backing = loopBacking(steps.record);
        long ceiling = steps.record.fuseDir() != null ? fileSize(Path.of(backing))
                : readLong(sysfsSize(steps.record.nbdDevice())) * 512;
        if (ceiling < served) {
            throw new WharfException(ErrorCode.MOUNT_FAILED, "the growable export " + steps.record.nbdUri() + " has "
                    + ceiling + " bytes, less than the " + served + " its volume serves", "check that the node serving"
                    + " the volume runs the same Wharf version as this one");
        }
        CommandRunner.Result loop = commands.runChecked("losetup", "--find", "--show", "--direct-io=on",
                "--sizelimit", Long.toString(served), backing);
        steps.save(steps.record.withLoopDevice(loop.stdout().strip(), served));
    }

    /**
     * Grows the device of the growable attachment at {@code path} to {@code sizeBytes}, while it is
     * in use: after the volume was resized, the loop device's size limit is raised (the filesystem
     * on it is the caller's to grow). A device already that large is left as it is. Refused with
     * {@link ErrorCode#UNAVAILABLE} while the volume's export does not serve that size yet, since
     * writes past what it serves fail.
     */
    public MountRecord grow(Path requestedPath, long sizeBytes) {
        requireRoot();
        Path path = canonical(requestedPath);
        try (MountRegistry.Lock _ = registry.lock()) {
            MountRecord record = registry.byPath(path).orElseThrow(() -> notMounted(path));
            if (!record.growable()) {
                throw new WharfException(ErrorCode.INVALID_ARGUMENT, "volume '" + record.volume() + "' at " + path
                        + " was attached at a fixed size, so its device cannot grow in use",
                        "unmount it and mount it again: the device then has the volume's new size");
            }
            long deviceBytes = readLong(sysfsSize(record.loopDevice())) * 512;
            if (deviceBytes >= sizeBytes) {
                return record;
            }
            NbdTarget volume = NbdTarget.parse(URI.create(record.nbdUri())).plain();
            long served = NbdExportSize.of(volume, settings.timeout());
            if (served < sizeBytes) {
                throw new WharfException(ErrorCode.UNAVAILABLE, "the NBD export of volume '" + record.volume() + "' ("
                        + volume.uri() + ") serves " + served + " bytes, not yet the " + sizeBytes + " asked",
                        "the node serving the volume picks up its new size; try again");
            }
            LoopDevice.setSizeLimit(record.loopDevice(), sizeBytes);
            long grown = readLong(sysfsSize(record.loopDevice())) * 512;
            if (grown != sizeBytes) {
                throw new WharfException(ErrorCode.MOUNT_FAILED, record.loopDevice() + " has " + grown + " bytes after"
                        + " its size limit was set to " + sizeBytes, "check `losetup -l " + record.loopDevice()
                        + "` and dmesg");
            }
            MountRecord saved = record.withLoopDevice(record.loopDevice(), sizeBytes);
            registry.save(saved);
            return saved;
        }
    }

    /** What the loop device of {@code record} is (or would be) attached to: nbdfuse's file or the kernel NBD device. */
    private static String loopBacking(MountRecord record) {
        return record.fuseDir() != null ? Path.of(record.fuseDir(), FUSE_FILE).toString() : record.nbdDevice();
    }

    private static Path sysfsSize(String device) {
        return Path.of("/sys/block", Path.of(device).getFileName().toString(), "size");
    }

    private static long fileSize(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new WharfException(ErrorCode.MOUNT_FAILED, "cannot read the size of " + file + ": " + e.getMessage(),
                    "check that nbdfuse still runs", e);
        }
    }

    private static boolean failed(Process process) {
        return !process.isAlive() && process.exitValue() != 0;
    }

    private void attachKernelNbd(Steps steps, NbdTarget target, long sizeBytes) {
        String device = freeNbdDevice();
        commands.runChecked("nbd-client", "-N", target.export(), target.host(), String.valueOf(target.port()), device);
        steps.save(steps.record.withNbdDevice(device));
        Path sizeFile = sysfsSize(device);
        if (!Deadline.after(settings.timeout()).await(() -> readLong(sizeFile) > 0)) {
            throw new WharfException(ErrorCode.MOUNT_FAILED, device + " did not come up within "
                    + settings.timeout().toSeconds() + "s after nbd-client connected", "check dmesg for NBD errors");
        }
        if (!target.isGrowable()) {
            requireSize(readLong(sizeFile) * 512, sizeBytes, steps.record.nbdUri());
        }
    }

    private static String freeNbdDevice() {
        for (int i = 0; i < 1024; i++) {
            Path device = Path.of("/dev/nbd" + i);
            if (!Files.exists(device)) {
                break;
            }
            if (!Files.exists(Path.of("/sys/block/nbd" + i + "/pid"))) {
                return device.toString();
            }
        }
        throw new WharfException(ErrorCode.MOUNT_FAILED, "no free /dev/nbdN device on this machine",
                "unmount volumes you no longer need, or load the nbd module with more devices (modprobe nbd nbds_max=64)");
    }

    private static void requireSize(long actual, long expected, String uri) {
        if (expected > 0 && actual != expected) {
            throw new WharfException(ErrorCode.MOUNT_FAILED, "the NBD export " + uri + " has " + actual
                    + " bytes, but the volume has " + expected, "the export may not be this volume; check "
                    + "`wharf volume inspect` and the node's NBD address");
        }
    }

    /** Makes a filesystem on a blank device, or checks the one that is there; returns its type. */
    private String prepareFilesystem(String device, MountRequest request) {
        Map<String, String> probe = probe(device);
        Filesystem asked = request.filesystem();
        if (probe.isEmpty()) {
            Filesystem filesystem = asked == null ? Filesystem.EXT4 : asked;
            commands.require(filesystem.mkfsTool());
            commands.runChecked(filesystem.mkfsTool(), filesystem.mkfsArguments(device).toArray(String[]::new));
            return filesystem.type();
        }
        String type = probe.get("TYPE");
        if (type == null || !"filesystem".equals(probe.get("USAGE"))) {
            String what = type != null ? type + " (" + probe.getOrDefault("USAGE", "unknown use") + ")"
                    : probe.containsKey("PTTYPE") ? "a " + probe.get("PTTYPE") + " partition table" : "unknown data";
            throw new WharfException(ErrorCode.MOUNT_FAILED, "volume '" + request.volume() + "' holds " + what
                    + ", not a filesystem; it is left as it is", "attach it with an NBD client instead ("
                    + request.nbdUri() + ")");
        }
        if (asked != null && !asked.type().equals(type)) {
            throw new WharfException(ErrorCode.INVALID_ARGUMENT, "volume '" + request.volume() + "' already holds an "
                    + type + " filesystem, not " + asked.type(), "leave out --fs to mount it as " + type
                    + "; wharf never formats a volume that holds a filesystem");
        }
        return type;
    }

    /** {@code blkid -p}: the device's signature as KEY=VALUE, empty if it holds none. */
    private Map<String, String> probe(String device) {
        CommandRunner.Result result = commands.run("blkid", "-p", "-o", "export", device);
        Map<String, String> values = new LinkedHashMap<>();
        if (result.exitCode() == 2) {
            return values;
        }
        if (!result.succeeded()) {
            throw new WharfException(ErrorCode.MOUNT_FAILED, result.failure(), "");
        }
        for (String line : result.stdout().split("\n")) {
            int equals = line.indexOf('=');
            if (equals > 0) {
                values.put(line.substring(0, equals), line.substring(equals + 1));
            }
        }
        values.remove("DEVNAME");
        return values;
    }

    /** Undoes a failed mount as far as it can and returns the error to throw. */
    private WharfException rollBack(MountRecord record, Exception failure) {
        WharfException error = failure instanceof WharfException wharf ? wharf
                : new WharfException(ErrorCode.MOUNT_FAILED, "mounting volume '" + record.volume() + "' failed: "
                        + failure.getMessage(), "", failure);
        try {
            undo(record, true);
        } catch (WharfException cleanup) {
            error.addSuppressed(cleanup);
            return new WharfException(error.code(), error.getMessage() + "; cleaning up also failed: "
                    + cleanup.getMessage(), "fix that, then run `wharf volume unmount " + record.path()
                    + "` to finish the cleanup", error);
        }
        return error;
    }

    /**
     * Undoes {@code record} in reverse. With {@code bestEffort} (a rollback) every step is tried
     * and the first failure thrown at the end; else (unmount) the first failure stops, leaving
     * the record so the command can be run again.
     */
    private void undo(MountRecord record, boolean bestEffort) {
        List<WharfException> failures = new ArrayList<>();
        MountRecord current = record;
        Path path = Path.of(record.path());
        List<UndoStep> steps = List.of(
                r -> unmountFilesystem(r, path),
                this::detachLoopDevices,
                this::disconnectKernelNbd,
                this::stopNbdfuse,
                r -> removeCreatedPath(r, path, bestEffort));
        for (UndoStep step : steps) {
            try {
                current = step.apply(current);
                registry.save(current);
            } catch (WharfException e) {
                if (!bestEffort) {
                    throw e;
                }
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            WharfException first = failures.getFirst();
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
        registry.delete(current);
    }

    @FunctionalInterface
    private interface UndoStep {
        MountRecord apply(MountRecord record);
    }

    private MountRecord unmountFilesystem(MountRecord record, Path path) {
        Optional<MountTable.Entry> entry = MountTable.at(path);
        if (entry.isPresent() && (record.mounted() || entry.get().source().equals(record.device()))) {
            CommandRunner.Result result = commands.run("umount", path.toString());
            if (!result.succeeded()) {
                throw new WharfException(ErrorCode.MOUNT_FAILED, result.failure(),
                        "stop the processes using " + path + " (see `fuser -vm " + path + "`), then run the command"
                                + " again");
            }
        }
        return record.withMounted(false, record.mountedAt());
    }

    private MountRecord detachLoopDevices(MountRecord record) {
        if (record.fuseDir() == null && record.nbdDevice() == null) {
            return record;
        }
        Path file = Path.of(loopBacking(record));
        for (String device : loopDevicesBackedBy(file)) {
            commands.runChecked("losetup", "-d", device);
        }
        // The kernel lets go of the file when the last opener closes the device; wait for that.
        if (!Deadline.after(settings.timeout()).await(() -> loopDevicesBackedBy(file).isEmpty())) {
            throw new WharfException(ErrorCode.MOUNT_FAILED, "loop device(s) " + loopDevicesBackedBy(file)
                    + " still use " + file + " after `losetup -d`", "see which process holds them open with "
                    + "`fuser -v " + String.join(" ", loopDevicesBackedBy(file)) + "`");
        }
        return record.withLoopDevice(null, 0);
    }

    /** Loop devices whose backing file is {@code file}, from sysfs. */
    private static List<String> loopDevicesBackedBy(Path file) {
        List<String> devices = new ArrayList<>();
        try (var blocks = Files.newDirectoryStream(Path.of("/sys/block"), "loop*")) {
            for (Path block : blocks) {
                Path backing = block.resolve("loop/backing_file");
                try {
                    if (Files.readString(backing, StandardCharsets.UTF_8).strip().equals(file.toString())) {
                        devices.add("/dev/" + block.getFileName());
                    }
                } catch (NoSuchFileException e) {
                    // not attached
                }
            }
        } catch (IOException e) {
            throw new WharfException(ErrorCode.IO_ERROR, "cannot read /sys/block: " + e.getMessage(), "", e);
        }
        return devices;
    }

    private MountRecord disconnectKernelNbd(MountRecord record) {
        if (record.nbdDevice() == null) {
            return record;
        }
        String name = Path.of(record.nbdDevice()).getFileName().toString();
        if (Files.exists(Path.of("/sys/block", name, "pid"))) {
            commands.runChecked("nbd-client", "-d", record.nbdDevice());
        }
        return record.withNbdDevice(null);
    }

    private MountRecord stopNbdfuse(MountRecord record) {
        if (record.fuseDir() == null) {
            return record;
        }
        Path fuseDir = Path.of(record.fuseDir());
        if (MountTable.isMountPoint(fuseDir)) {
            // Busy for a moment after the loop device lets go; retry until the deadline.
            CommandRunner.Result[] last = new CommandRunner.Result[1];
            boolean unmounted = Deadline.after(settings.timeout()).await(() -> {
                last[0] = commands.run("fusermount3", "-u", fuseDir.toString());
                return last[0].succeeded() || !MountTable.isMountPoint(fuseDir);
            });
            if (!unmounted) {
                throw new WharfException(ErrorCode.MOUNT_FAILED, last[0].failure(),
                        "see what holds " + fuseDir + " open with `fuser -vm " + fuseDir + "`");
            }
        }
        long pid = record.nbdfusePid();
        if (pid > 0 && !Deadline.after(settings.timeout()).await(() -> !isNbdfuse(pid, fuseDir))) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
            if (!Deadline.after(settings.timeout()).await(() -> !isNbdfuse(pid, fuseDir))) {
                throw new WharfException(ErrorCode.MOUNT_FAILED, "nbdfuse (pid " + pid + ") did not exit after "
                        + "its FUSE mount was removed", "kill it: kill -9 " + pid);
            }
        }
        return record.withFuse(null, 0);
    }

    /** Whether {@code pid} is still our nbdfuse: alive (not a zombie) and serving {@code fuseDir}. */
    private static boolean isNbdfuse(long pid, Path fuseDir) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.substring(stat.lastIndexOf(')') + 2).charAt(0);
            if (state == 'Z' || state == 'X') {
                return false;
            }
            String commandLine = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"));
            return commandLine.contains(fuseDir.toString());
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static MountRecord removeCreatedPath(MountRecord record, Path path, boolean rollingBack) {
        if (rollingBack && record.createdPath()) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                // not empty or gone: leave it, it holds nothing of ours
            }
        }
        return record;
    }

    /** Absolute, normalised, symbolic links of the existing part resolved: one name for one directory. */
    static Path canonical(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        Path existing = absolute;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return absolute;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(absolute));
        } catch (IOException e) {
            return absolute;
        }
    }

    private static String tail(Path log) {
        try {
            String text = Files.readString(log, StandardCharsets.UTF_8).strip();
            return text.length() > 2000 ? "..." + text.substring(text.length() - 2000) : text;
        } catch (IOException e) {
            return "";
        }
    }

    private static long readLong(Path file) {
        try {
            return Long.parseLong(Files.readString(file).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** Host, port and export name of an {@code nbd://} URI, for nbd-client. */
    record NbdTarget(String host, int port, String export) {
        static final int DEFAULT_PORT = 10809;

        /** The volume's growable export on the same server ({@code volume+growable}). */
        NbdTarget growable() {
            return isGrowable() ? this : new NbdTarget(host, port, Names.growableExport(export));
        }

        /** The export a growable one follows; this one if it is not growable. */
        NbdTarget plain() {
            return isGrowable() ? new NbdTarget(host, port,
                    export.substring(0, export.length() - Names.GROWABLE_EXPORT_SUFFIX.length())) : this;
        }

        boolean isGrowable() {
            return export.endsWith(Names.GROWABLE_EXPORT_SUFFIX);
        }

        URI uri() {
            try {
                return new URI("nbd", null, host, port, "/" + export, null, null);
            } catch (java.net.URISyntaxException e) {
                throw new WharfException(ErrorCode.INVALID_ARGUMENT, "export '" + export + "' on " + host
                        + " does not make an nbd:// URI: " + e.getMessage(), "", e);
            }
        }

        static NbdTarget parse(URI uri) {
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("nbd") || uri.getHost() == null) {
                throw new WharfException(ErrorCode.INVALID_ARGUMENT, "'" + uri + "' is not an nbd:// URI",
                        "the API gives each volume's nbdUri, e.g. nbd://127.0.0.1:10809/db");
            }
            String path = uri.getPath() == null ? "" : uri.getPath();
            return new NbdTarget(uri.getHost(), uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort(),
                    path.startsWith("/") ? path.substring(1) : path);
        }
    }
}
