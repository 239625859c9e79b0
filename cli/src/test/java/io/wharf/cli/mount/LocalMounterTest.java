package io.wharf.cli.mount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.wharf.core.ByteSize;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real mounts through nbdfuse and a loop device, against {@code nbdkit memory}. Needs root,
 * /dev/fuse, loop devices and the tools; skipped where they are missing. Cleans up everything
 * it set up, even when a test fails.
 */
class LocalMounterTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private final List<Nbdkit> nbdkits = new ArrayList<>();
    @TempDir
    Path temporary;
    private Path stateRoot;
    private LocalMounter mounter;

    @BeforeEach
    void setUp() {
        assumeTrue(Nbdkit.canMountHere(), "needs root, /dev/fuse, loop devices, nbdkit, nbdfuse and the mkfs tools");
        stateRoot = temporary.resolve("state");
        mounter = new LocalMounter(new MountSettings(stateRoot, Transport.NBDFUSE, TIMEOUT, true));
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (stateRoot == null) {
            return;
        }
        try {
            for (MountRecord record : mounter.mounts()) {
                try {
                    mounter.unmount(Path.of(record.path()));
                } catch (WharfException e) {
                    System.err.println("cleanup: " + e.getMessage());
                }
            }
        } finally {
            MountLeftovers.removeUnder(temporary);
            for (Nbdkit nbdkit : nbdkits) {
                nbdkit.close();
            }
        }
    }

    private URI nbdkit(String size) throws Exception {
        Nbdkit nbdkit = Nbdkit.start(size, temporary);
        nbdkits.add(nbdkit);
        return nbdkit.uri();
    }

    /** Nothing of the temporary directory is left: no mount, no loop device, no state directory. */
    private void assertNothingLeft() {
        assertThat(MountLeftovers.mountPointsUnder(temporary)).as("mounts left behind").isEmpty();
        assertThat(MountLeftovers.loopDevices()).as("loop devices left behind")
                .doesNotContain(temporary.toString());
        assertThat(mounter.mounts()).isEmpty();
        try (var entries = Files.list(stateRoot)) {
            assertThat(entries.filter(Files::isDirectory).toList()).as("state directories left behind").isEmpty();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void mountsABlankVolumeWritesUnmountsAndRemountsWithTheDataThere() throws Exception {
        URI uri = nbdkit("256M");
        Path path = temporary.resolve("mnt");

        MountRecord mounted = mounter.mount(new MountRequest("vol-a", uri, 256 * ByteSize.MIB, path, null));
        assertThat(mounted.transport()).isEqualTo("nbdfuse");
        assertThat(mounted.filesystem()).isEqualTo("ext4");
        assertThat(mounted.loopDevice()).startsWith("/dev/loop");
        assertThat(mounted.createdPath()).isTrue();
        assertThat(MountTable.at(path)).hasValueSatisfying(entry -> {
            assertThat(entry.type()).isEqualTo("ext4");
            assertThat(entry.source()).isEqualTo(mounted.loopDevice());
        });
        Path state = stateRoot.resolve(mounted.id()).resolve(MountRegistry.STATE_FILE);
        assertThat(Files.readString(state)).contains("\"loopDevice\" : \"" + mounted.loopDevice() + "\"");
        Files.writeString(path.resolve("hello.txt"), "hello from wharf\n");
        long nbdfusePid = mounted.nbdfusePid();

        MountRecord unmounted = mounter.unmount(path);
        assertThat(unmounted.id()).isEqualTo(mounted.id());
        assertNothingLeft();
        assertThat(ProcessHandle.of(nbdfusePid).map(ProcessHandle::isAlive).orElse(false)
                && Files.readString(Path.of("/proc", Long.toString(nbdfusePid), "cmdline")).contains(
                        temporary.toString())).as("nbdfuse still running").isFalse();
        assertThat(path).isDirectory().isEmptyDirectory();

        MountRecord again = mounter.mount(new MountRequest("vol-a", uri, 256 * ByteSize.MIB, path, Filesystem.EXT4));
        assertThat(again.filesystem()).isEqualTo("ext4");
        assertThat(again.createdPath()).isFalse();
        assertThat(Files.readString(path.resolve("hello.txt"), StandardCharsets.UTF_8)).isEqualTo("hello from wharf\n");
        mounter.unmount(path);
        assertNothingLeft();

        // The volume holds ext4 now: asking for xfs is refused, and the refusal leaves nothing behind.
        assertThatThrownBy(() -> mounter.mount(new MountRequest("vol-a", uri, 256 * ByteSize.MIB,
                temporary.resolve("other"), Filesystem.XFS)))
                .isInstanceOfSatisfying(WharfException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).isEqualTo("volume 'vol-a' already holds an ext4 filesystem, not xfs");
                });
        assertNothingLeft();
        assertThat(temporary.resolve("other")).doesNotExist();
    }

    @Test
    void makesXfsWhenAsked() throws Exception {
        URI uri = nbdkit("512M");
        Path path = temporary.resolve("xfs");
        MountRecord mounted = mounter.mount(new MountRequest("vol-x", uri, 512 * ByteSize.MIB, path, Filesystem.XFS));
        assertThat(mounted.filesystem()).isEqualTo("xfs");
        assertThat(MountTable.at(path)).hasValueSatisfying(entry -> assertThat(entry.type()).isEqualTo("xfs"));
        Files.writeString(path.resolve("data"), "x");
        mounter.unmount(path);
        assertNothingLeft();
    }

    @Test
    void aGrowableMountIsALoopDeviceLimitedToWhatTheExportServes() throws Exception {
        URI uri = nbdkit("64M");
        assertThat(NbdExportSize.of(LocalMounter.NbdTarget.parse(uri), TIMEOUT)).isEqualTo(64 * ByteSize.MIB);
        Path path = temporary.resolve("grow");
        // nbdkit serves every export name alike, so the growable one is as large as the volume: the
        // loop device is limited to what the volume's own export serves, and cannot grow past it
        MountRecord mounted = mounter.mount(new MountRequest("vol-g", uri, 64 * ByteSize.MIB, path, Filesystem.EXT4,
                List.of(), false, true));
        assertThat(mounted.growable()).isTrue();
        assertThat(mounted.sizeLimitBytes()).isEqualTo(64 * ByteSize.MIB);
        assertThat(mounted.nbdUri()).endsWith("/+growable");
        Files.writeString(path.resolve("data"), "x");
        assertThat(mounter.grow(path, 64 * ByteSize.MIB)).isEqualTo(mounted);
        assertRefused(() -> mounter.grow(path, 128 * ByteSize.MIB), ErrorCode.UNAVAILABLE,
                "the NBD export of volume 'vol-g'");
        assertThat(mounter.mountAt(path)).contains(mounted);
        mounter.unmount(path);
        assertNothingLeft();
    }

    @Test
    void refusesAMountedPathAVolumeMountedElsewhereAndUnknownPaths() throws Exception {
        URI uri = nbdkit("64M");
        Path path = temporary.resolve("mnt");
        mounter.mount(new MountRequest("vol-b", uri, 64 * ByteSize.MIB, path, null));

        assertRefused(() -> mounter.mount(new MountRequest("vol-c", uri, 64 * ByteSize.MIB, path, null)),
                ErrorCode.ALREADY_MOUNTED, path + " is already mounted (volume 'vol-b')");
        assertRefused(() -> mounter.mount(new MountRequest("vol-b", uri, 64 * ByteSize.MIB, temporary.resolve("b"),
                null)), ErrorCode.ALREADY_MOUNTED, "volume 'vol-b' is already mounted at " + path);
        assertRefused(() -> mounter.unmount(temporary.resolve("nothing")), ErrorCode.NOT_MOUNTED,
                "nothing is mounted at " + temporary.resolve("nothing") + " by wharf");
        // A mount point that is not ours: the FUSE mount of our own nbdfuse.
        Path fuse = Path.of(mounter.mounts().getFirst().fuseDir());
        assertRefused(() -> mounter.unmount(fuse), ErrorCode.NOT_MOUNTED, fuse + " is mounted (");
        assertRefused(() -> mounter.mount(new MountRequest("vol-d", uri, 64 * ByteSize.MIB, fuse, null)),
                ErrorCode.ALREADY_MOUNTED, fuse + " is already a mount point (");

        mounter.unmount(path.resolve("sub/.."));
        assertNothingLeft();
    }

    @Test
    void aFailedMkfsRollsBackEverything() throws Exception {
        URI uri = nbdkit("64M");
        Path path = temporary.resolve("small");
        // mkfs.xfs refuses filesystems this small.
        assertThatThrownBy(() -> mounter.mount(new MountRequest("vol-s", uri, 64 * ByteSize.MIB, path, Filesystem.XFS)))
                .isInstanceOfSatisfying(WharfException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MOUNT_FAILED);
                    assertThat(e.getMessage()).startsWith("`mkfs.xfs -q -K /dev/loop").contains("failed (exit 1): ");
                });
        assertNothingLeft();
        assertThat(path).doesNotExist();
    }

    @Test
    void anUnreachableExportFailsWithNbdfusesMessage() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        URI uri = URI.create("nbd://127.0.0.1:" + port + "/gone");
        assertThatThrownBy(() -> mounter.mount(new MountRequest("vol-u", uri, 0, temporary.resolve("u"), null)))
                .isInstanceOfSatisfying(WharfException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MOUNT_FAILED);
                    assertThat(e.getMessage()).startsWith("nbdfuse could not attach " + uri + " (exit 1): ")
                            .contains("Connection refused");
                });
        assertNothingLeft();
    }

    @Test
    void anExportOfTheWrongSizeIsRefused() throws Exception {
        URI uri = nbdkit("64M");
        assertRefused(() -> mounter.mount(new MountRequest("vol-w", uri, 128 * ByteSize.MIB, temporary.resolve("w"),
                null)), ErrorCode.MOUNT_FAILED, "the NBD export " + uri + " has 67108864 bytes, but the volume has "
                + 134217728);
        assertNothingLeft();
    }

    @Test
    void notRootIsPermissionDenied() {
        LocalMounter user = new LocalMounter(new MountSettings(stateRoot, Transport.NBDFUSE, TIMEOUT, false));
        assertRefused(() -> user.mount(new MountRequest("v", URI.create("nbd://127.0.0.1/v"), 0, temporary, null)),
                ErrorCode.PERMISSION_DENIED, "mounting and unmounting volumes needs root");
        assertRefused(() -> user.unmount(temporary), ErrorCode.PERMISSION_DENIED,
                "mounting and unmounting volumes needs root");
    }

    private static void assertRefused(Runnable call, ErrorCode code, String messageStart) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(WharfException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.getMessage()).startsWith(messageStart);
        });
    }
}
