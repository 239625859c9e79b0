package io.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks that no mount, FUSE mount or loop device under a test's directory is left behind. */
final class MountResidue {
    private MountResidue() {}

    static void assertNone(Path testDir) throws IOException, InterruptedException {
        String mounts = Files.readString(Path.of("/proc/mounts"));
        assertThat(mounts).as("mounts under %s", testDir).doesNotContain(testDir.toString());
        String loops = Tools.run(30, "losetup", "-a").output();
        assertThat(loops).as("loop devices").doesNotContain("wharf").doesNotContain(testDir.toString());
    }
}
