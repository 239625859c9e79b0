package io.wharf.csi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import csi.v1.Csi;
import csi.v1.NodeGrpc;
import csi.v1.Csi.VolumeCapability.AccessMode.Mode;
import io.grpc.Status.Code;
import io.wharf.cli.mount.CommandRunner;
import io.wharf.cli.mount.MountTable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Node service with real mounts: NodeStage through nbdfuse and a loop device, filesystems made
 * on blank volumes, bind mounts, read-only publications, stats, ext4, xfs and raw block volumes
 * grown online while published, and nothing left behind: csi-sanity's Node group and its lifecycle
 * tests.
 */
class NodeTest extends CsiTestBase {
    private static final CommandRunner COMMANDS = new CommandRunner(Duration.ofSeconds(60));
    private static final int CAP_SYS_RESOURCE = 24;

    /** Whether this process has a capability in its effective set (/proc/self/status, CapEff). */
    static boolean hasCapability(int capability) throws IOException {
        String effective = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("CapEff:"))
                .findFirst().orElseThrow().substring("CapEff:".length()).strip();
        return (Long.parseUnsignedLong(effective, 16) >>> capability & 1) == 1;
    }

    @Test
    void nodeCapabilitiesAndTopology() {
        assertThat(csi.node().nodeGetCapabilities(Csi.NodeGetCapabilitiesRequest.getDefaultInstance()).getCapabilitiesList())
                .extracting(c -> c.getRpc().getType()).contains(Csi.NodeServiceCapability.RPC.Type.STAGE_UNSTAGE_VOLUME,
                        Csi.NodeServiceCapability.RPC.Type.GET_VOLUME_STATS, Csi.NodeServiceCapability.RPC.Type.EXPAND_VOLUME,
                        Csi.NodeServiceCapability.RPC.Type.VOLUME_CONDITION);
        Csi.NodeGetInfoResponse info = csi.node().nodeGetInfo(Csi.NodeGetInfoRequest.getDefaultInstance());
        assertThat(info.getNodeId()).isEqualTo(CsiFixture.NODE_ID);
        assertThat(info.getMaxVolumesPerNode()).isNotNegative();
        assertThat(info.getAccessibleTopology().getSegmentsMap()).containsExactlyInAnyOrderEntriesOf(Map.of(
                Topology.ZONE, "zone-a", Topology.RACK, "rack-1", Topology.NODE, CsiFixture.NODE_ID));
    }

    @Test
    void nodeCallsRefuseMissingFieldsAndUnknownVolumes() throws IOException {
        Path dir = csi.directory("refusals");
        Csi.NodeStageVolumeRequest stage = Csi.NodeStageVolumeRequest.newBuilder().setVolumeId("pvc-node")
                .setStagingTargetPath(dir.resolve("staging").toString()).setVolumeCapability(mountCapability()).build();
        assertCode(Code.INVALID_ARGUMENT, () -> csi.node().nodeStageVolume(stage.toBuilder().clearVolumeId().build()));
        assertCode(Code.INVALID_ARGUMENT, () -> csi.node().nodeStageVolume(stage.toBuilder().clearStagingTargetPath().build()));
        assertCode(Code.INVALID_ARGUMENT, () -> csi.node().nodeStageVolume(stage.toBuilder().clearVolumeCapability().build()));
        assertCode(Code.NOT_FOUND, () -> csi.node().nodeStageVolume(stage));
        Csi.NodePublishVolumeRequest publish = Csi.NodePublishVolumeRequest.newBuilder().setVolumeId("pvc-node")
                .setStagingTargetPath(dir.resolve("staging").toString()).setTargetPath(dir.resolve("target").toString())
                .setVolumeCapability(mountCapability()).build();
        assertCode(Code.INVALID_ARGUMENT, () -> csi.node().nodePublishVolume(publish.toBuilder().clearVolumeId().build()));
        assertCode(Code.INVALID_ARGUMENT, () -> csi.node().nodePublishVolume(publish.toBuilder().clearTargetPath().build()));
        assertCode(Code.INVALID_ARGUMENT, () -> csi.node().nodePublishVolume(publish.toBuilder().clearVolumeCapability().build()));
        assertCode(Code.NOT_FOUND, () -> csi.node().nodePublishVolume(publish));
        assertCode(Code.INVALID_ARGUMENT, () -> unpublish("", dir.resolve("target")));
        assertCode(Code.INVALID_ARGUMENT, () -> csi.node().nodeUnpublishVolume(
                Csi.NodeUnpublishVolumeRequest.newBuilder().setVolumeId("pvc-node").build()));
        assertCode(Code.INVALID_ARGUMENT, () -> unstage("", dir.resolve("staging")));
        assertCode(Code.INVALID_ARGUMENT, () -> csi.node().nodeUnstageVolume(
                Csi.NodeUnstageVolumeRequest.newBuilder().setVolumeId("pvc-node").build()));
        assertCode(Code.INVALID_ARGUMENT, () -> csi.node().nodeGetVolumeStats(
                Csi.NodeGetVolumeStatsRequest.newBuilder().setVolumePath("some/path").build()));
        assertCode(Code.INVALID_ARGUMENT, () -> csi.node().nodeGetVolumeStats(
                Csi.NodeGetVolumeStatsRequest.newBuilder().setVolumeId("pvc-node").build()));
        assertCode(Code.NOT_FOUND, () -> csi.node().nodeGetVolumeStats(
                Csi.NodeGetVolumeStatsRequest.newBuilder().setVolumeId("pvc-node").setVolumePath("some/path").build()));
        assertCode(Code.INVALID_ARGUMENT, () -> csi.node().nodeExpandVolume(
                Csi.NodeExpandVolumeRequest.newBuilder().setVolumePath(dir.toString()).build()));
        assertCode(Code.INVALID_ARGUMENT, () -> csi.node().nodeExpandVolume(
                Csi.NodeExpandVolumeRequest.newBuilder().setVolumeId("pvc-node").build()));
        assertCode(Code.NOT_FOUND, () -> csi.node().nodeExpandVolume(
                Csi.NodeExpandVolumeRequest.newBuilder().setVolumeId("pvc-node").setVolumePath("some/path").build()));
        // unpublish and unstage of what is not there succeed
        unpublish("pvc-node", dir.resolve("target"));
        unstage("pvc-node", dir.resolve("staging"));
        // a volume that exists but is not staged cannot be published
        createVolume("pvc-node", 64 * MIB);
        assertCode(Code.FAILED_PRECONDITION, () -> csi.node().nodePublishVolume(publish));
    }

    @Test
    void mountLifecycleIsIdempotentAndLeavesNothingBehind() throws IOException {
        Path dir = csi.directory("lifecycle");
        Path staging = Files.createDirectories(dir.resolve("staging"));
        Path target = dir.resolve("target");
        Path readOnlyTarget = dir.resolve("target-ro");
        Csi.VolumeCapability capability = mountCapability();
        createVolume("pvc-life", 64 * MIB);
        Csi.ControllerPublishVolumeResponse published = controllerPublish("pvc-life", capability);
        stage("pvc-life", staging, capability, published, Map.of());
        stage("pvc-life", staging, capability, published, Map.of());
        assertThat(MountTable.at(staging)).hasValueSatisfying(e -> assertThat(e.type()).isEqualTo("ext4"));
        assertCode(Code.ALREADY_EXISTS, () -> stage("pvc-life", staging, mountCapability("xfs", Mode.SINGLE_NODE_WRITER),
                published, Map.of()));

        publish("pvc-life", staging, target, capability, false);
        publish("pvc-life", staging, target, capability, false);
        assertCode(Code.ALREADY_EXISTS, () -> publish("pvc-life", staging, target, capability, true));
        Files.writeString(target.resolve("hello.txt"), "hello from a pod");
        publish("pvc-life", staging, readOnlyTarget, capability, true);
        assertThat(Files.readString(readOnlyTarget.resolve("hello.txt"))).isEqualTo("hello from a pod");
        assertThatThrownBy(() -> Files.writeString(readOnlyTarget.resolve("nope.txt"), "x")).isInstanceOf(IOException.class)
                .hasMessageContaining("Read-only file system");

        Csi.NodeGetVolumeStatsResponse stats = csi.node().nodeGetVolumeStats(Csi.NodeGetVolumeStatsRequest.newBuilder()
                .setVolumeId("pvc-life").setVolumePath(target.toString()).build());
        assertThat(stats.getVolumeCondition().getAbnormal()).isFalse();
        Csi.VolumeUsage bytes = stats.getUsageList().stream().filter(u -> u.getUnit() == Csi.VolumeUsage.Unit.BYTES)
                .findFirst().orElseThrow();
        assertThat(bytes.getTotal()).isBetween(40 * MIB, 64 * MIB);
        assertThat(bytes.getUsed()).isPositive();
        assertThat(bytes.getAvailable()).isPositive().isLessThan(bytes.getTotal());
        assertThat(stats.getUsageList()).anySatisfy(u -> {
            assertThat(u.getUnit()).isEqualTo(Csi.VolumeUsage.Unit.INODES);
            assertThat(u.getTotal()).isPositive();
            assertThat(u.getUsed()).isPositive();
        });
        assertCode(Code.NOT_FOUND, () -> csi.node().nodeGetVolumeStats(Csi.NodeGetVolumeStatsRequest.newBuilder()
                .setVolumeId("pvc-life").setVolumePath(dir.resolve("elsewhere").toString()).build()));
        assertCode(Code.FAILED_PRECONDITION, () -> unstage("pvc-life", staging));

        unpublish("pvc-life", readOnlyTarget);
        unpublish("pvc-life", target);
        unpublish("pvc-life", target);
        assertThat(target).doesNotExist();
        assertThat(readOnlyTarget).doesNotExist();
        unstage("pvc-life", staging);
        unstage("pvc-life", staging);
        controllerUnpublish("pvc-life");
        assertThat(staging).isDirectory();
        assertThat(leftovers()).isEmpty();

        // the data is on the volume: stage it again and read it
        stage("pvc-life", staging, capability, controllerPublish("pvc-life", capability), Map.of());
        assertThat(Files.readString(staging.resolve("hello.txt"))).isEqualTo("hello from a pod");
    }

    /**
     * csi-sanity's runControllerTest with IdempotentCount 3: a volume made in the node's topology,
     * then every step of its life repeated, then deleted (and deleted again).
     */
    @Test
    void sanityLifecycleRepeatsEveryStep() throws IOException {
        int count = 3;
        Path dir = csi.directory("sanity-lifecycle");
        Path staging = Files.createDirectories(dir.resolve("staging"));
        Path target = dir.resolve("target");
        Csi.VolumeCapability capability = mountCapability();
        Csi.NodeGetInfoResponse info = csi.node().nodeGetInfo(Csi.NodeGetInfoRequest.getDefaultInstance());
        Csi.Volume volume = csi.controller().createVolume(Csi.CreateVolumeRequest.newBuilder()
                .setName("sanity-node-full-" + count).addVolumeCapabilities(capability).setCapacityRange(range(64 * MIB, 0))
                .setAccessibilityRequirements(Csi.TopologyRequirement.newBuilder()
                        .addRequisite(info.getAccessibleTopology()).addPreferred(info.getAccessibleTopology()))
                .build()).getVolume();
        assertThat(csi.api.getVolume(volume.getVolumeId()).node()).isEqualTo(info.getNodeId());
        Csi.ControllerPublishVolumeResponse published = null;
        for (int i = 0; i < count; i++) {
            published = controllerPublish(volume.getVolumeId(), capability);
        }
        for (int i = 0; i < count; i++) {
            stage(volume.getVolumeId(), staging, capability, published, volume.getVolumeContextMap());
        }
        for (int i = 0; i < count; i++) {
            publish(volume.getVolumeId(), staging, target, capability, false);
        }
        assertThat(csi.node().nodeGetVolumeStats(Csi.NodeGetVolumeStatsRequest.newBuilder().setVolumeId(volume.getVolumeId())
                .setVolumePath(target.toString()).setStagingTargetPath(staging.toString()).build()).getUsageCount()).isEqualTo(2);
        for (int i = 0; i < count; i++) {
            unpublish(volume.getVolumeId(), target);
        }
        for (int i = 0; i < count; i++) {
            unstage(volume.getVolumeId(), staging);
        }
        for (int i = 0; i < count; i++) {
            controllerUnpublish(volume.getVolumeId());
        }
        for (int i = 0; i < count; i++) {
            csi.controller().deleteVolume(Csi.DeleteVolumeRequest.newBuilder().setVolumeId(volume.getVolumeId()).build());
        }
        assertThat(csi.api.listVolumes()).isEmpty();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void xfsFromTheStorageClassWithMountFlags() throws IOException {
        Path dir = csi.directory("xfs");
        Path staging = Files.createDirectories(dir.resolve("staging"));
        Path target = dir.resolve("target");
        Csi.Volume volume = createVolume("pvc-xfs", 512 * MIB, Map.of("fs", "xfs"));
        Csi.VolumeCapability capability = mountCapability("", Mode.SINGLE_NODE_WRITER, "noatime");
        stage("pvc-xfs", staging, capability, controllerPublish("pvc-xfs", capability), volume.getVolumeContextMap());
        publish("pvc-xfs", staging, target, capability, false);
        assertThat(MountTable.at(staging)).hasValueSatisfying(e -> assertThat(e.type()).isEqualTo("xfs"));
        assertThat(Files.readString(Path.of("/proc/self/mountinfo")).lines()
                .filter(l -> l.contains(" " + target + " ")).findFirst().orElseThrow()).contains("noatime");
        Files.writeString(target.resolve("x"), "on xfs");
        assertThat(Files.readString(staging.resolve("x"))).isEqualTo("on xfs");
    }

    @Test
    void snapshotsAndClonesCarryTheData() throws IOException {
        Path dir = csi.directory("snapshots");
        Csi.VolumeCapability capability = mountCapability();
        createVolume("pvc-data", 64 * MIB);
        Path staging = Files.createDirectories(dir.resolve("staging"));
        stage("pvc-data", staging, capability, controllerPublish("pvc-data", capability), Map.of());
        Files.writeString(staging.resolve("state"), "before");
        COMMANDS.runChecked("sync", "-f", staging.toString());
        Csi.Snapshot snapshot = SnapshotTest.snapshot("data-1", "pvc-data");
        Files.writeString(staging.resolve("state"), "after");
        COMMANDS.runChecked("sync", "-f", staging.toString());

        csi.controller().createVolume(Csi.CreateVolumeRequest.newBuilder().setName("pvc-restore")
                .addVolumeCapabilities(capability).setVolumeContentSource(Csi.VolumeContentSource.newBuilder()
                        .setSnapshot(Csi.VolumeContentSource.SnapshotSource.newBuilder().setSnapshotId(snapshot.getSnapshotId())))
                .build());
        csi.controller().createVolume(Csi.CreateVolumeRequest.newBuilder().setName("pvc-copy")
                .addVolumeCapabilities(capability).setVolumeContentSource(Csi.VolumeContentSource.newBuilder()
                        .setVolume(Csi.VolumeContentSource.VolumeSource.newBuilder().setVolumeId("pvc-data"))).build());
        Path restored = Files.createDirectories(dir.resolve("restored"));
        stage("pvc-restore", restored, capability, controllerPublish("pvc-restore", capability), Map.of());
        assertThat(Files.readString(restored.resolve("state"))).isEqualTo("before");
        Path copied = Files.createDirectories(dir.resolve("copied"));
        stage("pvc-copy", copied, capability, controllerPublish("pvc-copy", capability), Map.of());
        assertThat(Files.readString(copied.resolve("state"))).isEqualTo("after");
        unstage("pvc-restore", restored);
        unstage("pvc-copy", copied);
        unstage("pvc-data", staging);
        controllerUnpublish("pvc-data");
        csi.controller().deleteSnapshot(Csi.DeleteSnapshotRequest.newBuilder().setSnapshotId(snapshot.getSnapshotId()).build());
    }

    @Test
    void ext4GrowsOnlineWhilePublished() throws IOException {
        growOnline("ext4", 64 * MIB, 72 * MIB);
    }

    @Test
    void xfsGrowsOnlineWhilePublished() throws IOException {
        growOnline("xfs", 320 * MIB, 352 * MIB);
    }

    /**
     * A published, mounted volume with data grows: the controller grows the volume, the node its
     * device and filesystem, without unmounting. Then a file larger than the whole old volume is
     * written, df shows the new size, repeats change nothing, shrinking is refused, and all the
     * data reads back through a fresh staging of the grown volume.
     */
    private void growOnline(String fs, long size, long largerThanTheOldVolume) throws IOException {
        String id = "pvc-grow-" + fs;
        Path dir = csi.directory("grow-" + fs);
        Path staging = Files.createDirectories(dir.resolve("staging"));
        Path target = dir.resolve("target");
        Csi.VolumeCapability capability = mountCapability(fs, Mode.SINGLE_NODE_WRITER);
        createVolume(id, size);
        stage(id, staging, capability, controllerPublish(id, capability), Map.of());
        publish(id, staging, target, capability, false);
        Files.writeString(target.resolve("kept"), "kept across the resize");
        byte[] before = writeFile(target.resolve("before.bin"), 4 * MIB, 1);
        long dfBefore = dfSizeBytes(target);
        String device = csi.mounter().mountAt(staging).orElseThrow().device();

        Csi.ControllerExpandVolumeResponse expanded = csi.controller().controllerExpandVolume(
                Csi.ControllerExpandVolumeRequest.newBuilder().setVolumeId(id).setCapacityRange(range(2 * size, 0))
                        .setVolumeCapability(capability).build());
        assertThat(expanded.getCapacityBytes()).isEqualTo(2 * size);
        assertThat(expanded.getNodeExpansionRequired()).isTrue();
        assertThat(blockdevSize(device)).as("the device follows only when the node expands it").isEqualTo(size);
        Csi.NodeExpandVolumeRequest nodeExpand = Csi.NodeExpandVolumeRequest.newBuilder().setVolumeId(id)
                .setVolumePath(target.toString()).setCapacityRange(range(2 * size, 0)).setVolumeCapability(capability).build();
        if (fs.equals("ext4") && !hasCapability(CAP_SYS_RESOURCE)) {
            // the kernel lets only CAP_SYS_RESOURCE grow a mounted ext4 (the deployed plugin is privileged);
            // without it the device still grows, the data stays, and the refusal says why
            assertCode(Code.PERMISSION_DENIED, () -> csi.node().nodeExpandVolume(nodeExpand));
            assertThat(blockdevSize(device)).isEqualTo(2 * size);
            assertThat(Files.readString(target.resolve("kept"))).isEqualTo("kept across the resize");
            assertSameFile(target.resolve("before.bin"), before, 4 * MIB);
            return;
        }
        assertThat(csi.node().nodeExpandVolume(nodeExpand).getCapacityBytes()).isEqualTo(2 * size);
        assertThat(MountTable.isMountPoint(target)).isTrue();
        assertThat(blockdevSize(device)).isEqualTo(2 * size);
        long dfAfter = dfSizeBytes(target);
        assertThat(dfAfter).isGreaterThan(dfBefore + size / 2);
        byte[] after = writeFile(target.resolve("after.bin"), largerThanTheOldVolume, 2);
        assertThat(Files.readString(target.resolve("kept"))).isEqualTo("kept across the resize");
        assertSameFile(target.resolve("before.bin"), before, 4 * MIB);

        assertThat(csi.node().nodeExpandVolume(nodeExpand).getCapacityBytes()).isEqualTo(2 * size);
        assertThat(csi.node().nodeExpandVolume(nodeExpand.toBuilder().setVolumePath(staging.toString()).build())
                .getCapacityBytes()).isEqualTo(2 * size);
        assertThat(csi.node().nodeExpandVolume(nodeExpand.toBuilder().clearCapacityRange().build()).getCapacityBytes())
                .isEqualTo(2 * size);
        assertThat(dfSizeBytes(target)).isEqualTo(dfAfter);
        assertCode(Code.OUT_OF_RANGE, () -> csi.node().nodeExpandVolume(nodeExpand.toBuilder()
                .setCapacityRange(range(size, 0)).build()));
        assertCode(Code.OUT_OF_RANGE, () -> csi.node().nodeExpandVolume(nodeExpand.toBuilder()
                .setCapacityRange(range(0, size)).build()));

        unpublish(id, target);
        unstage(id, staging);
        controllerUnpublish(id);
        assertThat(leftovers()).isEmpty();
        stage(id, staging, capability, controllerPublish(id, capability), Map.of());
        assertThat(blockdevSize(csi.mounter().mountAt(staging).orElseThrow().device())).isEqualTo(2 * size);
        assertThat(Files.readString(staging.resolve("kept"))).isEqualTo("kept across the resize");
        assertSameFile(staging.resolve("before.bin"), before, 4 * MIB);
        assertSameFile(staging.resolve("after.bin"), after, largerThanTheOldVolume);
        unstage(id, staging);
        controllerUnpublish(id);
    }

    @Test
    void rawBlockVolumeGrowsOnline() throws IOException {
        Path dir = csi.directory("block-grow");
        Path staging = Files.createDirectories(dir.resolve("staging"));
        Path target = dir.resolve("device");
        Csi.VolumeCapability capability = blockCapability(Mode.SINGLE_NODE_WRITER);
        csi.controller().createVolume(Csi.CreateVolumeRequest.newBuilder().setName("pvc-block-grow")
                .setCapacityRange(range(32 * MIB, 0)).addVolumeCapabilities(capability).build());
        stage("pvc-block-grow", staging, capability, controllerPublish("pvc-block-grow", capability), Map.of());
        publish("pvc-block-grow", staging, target, capability, false);
        byte[] first = pattern(MIB, 3);
        writeDevice(target, 4 * MIB, first);

        Csi.ControllerExpandVolumeResponse expanded = csi.controller().controllerExpandVolume(
                Csi.ControllerExpandVolumeRequest.newBuilder().setVolumeId("pvc-block-grow")
                        .setCapacityRange(range(64 * MIB, 0)).setVolumeCapability(capability).build());
        assertThat(expanded.getNodeExpansionRequired()).as("a published block volume's device must follow").isTrue();
        assertThat(blockdevSize(target.toString())).isEqualTo(32 * MIB);
        Csi.NodeExpandVolumeRequest nodeExpand = Csi.NodeExpandVolumeRequest.newBuilder().setVolumeId("pvc-block-grow")
                .setVolumePath(target.toString()).setCapacityRange(range(64 * MIB, 0)).setVolumeCapability(capability).build();
        assertThat(csi.node().nodeExpandVolume(nodeExpand).getCapacityBytes()).isEqualTo(64 * MIB);
        assertThat(blockdevSize(target.toString())).isEqualTo(64 * MIB);
        byte[] second = pattern(MIB, 4);
        writeDevice(target, 40 * MIB, second);
        assertThat(readDevice(target, 4 * MIB, MIB)).isEqualTo(first);
        assertThat(readDevice(target, 40 * MIB, MIB)).isEqualTo(second);

        assertThat(csi.node().nodeExpandVolume(nodeExpand).getCapacityBytes()).isEqualTo(64 * MIB);
        assertThat(csi.node().nodeExpandVolume(nodeExpand.toBuilder().setVolumePath(staging.toString()).build())
                .getCapacityBytes()).isEqualTo(64 * MIB);
        assertCode(Code.OUT_OF_RANGE, () -> csi.node().nodeExpandVolume(nodeExpand.toBuilder()
                .setCapacityRange(range(32 * MIB, 0)).build()));
        assertCode(Code.OUT_OF_RANGE, () -> csi.node().nodeExpandVolume(nodeExpand.toBuilder()
                .setCapacityRange(range(9L << 40, 0)).build()));
        assertCode(Code.OUT_OF_RANGE, () -> csi.node().nodeExpandVolume(nodeExpand.toBuilder()
                .setCapacityRange(range(96 * MIB, 80 * MIB)).build()));
        assertCode(Code.INVALID_ARGUMENT, () -> csi.node().nodeExpandVolume(nodeExpand.toBuilder()
                .setCapacityRange(range(-1, 0)).build()));
        assertCode(Code.FAILED_PRECONDITION, () -> csi.node().nodeExpandVolume(nodeExpand.toBuilder()
                .setCapacityRange(range(128 * MIB, 0)).build()));
        assertCode(Code.NOT_FOUND, () -> csi.node().nodeExpandVolume(nodeExpand.toBuilder()
                .setVolumeId("pvc-other").build()));
        assertCode(Code.NOT_FOUND, () -> csi.node().nodeExpandVolume(nodeExpand.toBuilder()
                .setVolumePath(dir.resolve("elsewhere").toString()).build()));

        unpublish("pvc-block-grow", target);
        unstage("pvc-block-grow", staging);
        controllerUnpublish("pvc-block-grow");
        assertThat(leftovers()).isEmpty();
        stage("pvc-block-grow", staging, capability, controllerPublish("pvc-block-grow", capability), Map.of());
        publish("pvc-block-grow", staging, target, capability, false);
        assertThat(blockdevSize(target.toString())).isEqualTo(64 * MIB);
        assertThat(readDevice(target, 4 * MIB, MIB)).isEqualTo(first);
        assertThat(readDevice(target, 40 * MIB, MIB)).isEqualTo(second);
    }

    private static long blockdevSize(String device) {
        return Long.parseLong(COMMANDS.runChecked("blockdev", "--getsize64", device).stdout().strip());
    }

    /** The filesystem's size as df reports it. */
    private static long dfSizeBytes(Path path) {
        String[] lines = COMMANDS.runChecked("df", "-B1", "--output=size", path.toString()).stdout().strip().split("\n");
        return Long.parseLong(lines[lines.length - 1].strip());
    }

    private static byte[] pattern(long length, long seed) {
        byte[] bytes = new byte[Math.toIntExact(length)];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Writes {@code length} bytes (a 1 MiB random chunk, repeated) and syncs them; returns the chunk. */
    private static byte[] writeFile(Path file, long length, long seed) throws IOException {
        byte[] chunk = pattern(MIB, seed);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long at = 0; at < length; at += chunk.length) {
                ByteBuffer buffer = ByteBuffer.wrap(chunk, 0, (int) Math.min(chunk.length, length - at));
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
            channel.force(true);
        }
        return chunk;
    }

    private static void assertSameFile(Path file, byte[] chunk, long length) throws IOException {
        assertThat(Files.size(file)).isEqualTo(length);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            for (long at = 0; at < length; at += chunk.length) {
                ByteBuffer read = ByteBuffer.allocate((int) Math.min(chunk.length, length - at));
                while (read.hasRemaining() && channel.read(read, at + read.position()) > 0) {
                    // keep reading
                }
                assertThat(Arrays.equals(read.array(), 0, read.capacity(), chunk, 0, read.capacity()))
                        .as("%s at %d", file, at).isTrue();
            }
        }
    }

    private static void writeDevice(Path device, long offset, byte[] data) throws IOException {
        try (FileChannel channel = FileChannel.open(device, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(data);
            while (buffer.hasRemaining()) {
                channel.write(buffer, offset + buffer.position());
            }
            channel.force(true);
        }
    }

    private static byte[] readDevice(Path device, long offset, long length) throws IOException {
        ByteBuffer read = ByteBuffer.allocate(Math.toIntExact(length));
        try (FileChannel channel = FileChannel.open(device, StandardOpenOption.READ)) {
            while (read.hasRemaining() && channel.read(read, offset + read.position()) > 0) {
                // keep reading
            }
        }
        return read.array();
    }

    @Test
    void aRestoreIntoALargerVolumeGetsALargerFilesystem() throws IOException {
        Path dir = csi.directory("restore-larger");
        Csi.VolumeCapability capability = mountCapability("xfs", Mode.SINGLE_NODE_WRITER);
        createVolume("pvc-small-xfs", 512 * MIB);
        Path staging = Files.createDirectories(dir.resolve("small"));
        stage("pvc-small-xfs", staging, capability, controllerPublish("pvc-small-xfs", capability), Map.of());
        Files.writeString(staging.resolve("state"), "small");
        COMMANDS.runChecked("sync", "-f", staging.toString());
        long small = Files.getFileStore(staging).getTotalSpace();
        Csi.Snapshot snapshot = SnapshotTest.snapshot("small-1", "pvc-small-xfs");
        csi.controller().createVolume(Csi.CreateVolumeRequest.newBuilder().setName("pvc-large-xfs")
                .addVolumeCapabilities(capability).setCapacityRange(range(GIB, 0))
                .setVolumeContentSource(Csi.VolumeContentSource.newBuilder().setSnapshot(
                        Csi.VolumeContentSource.SnapshotSource.newBuilder().setSnapshotId(snapshot.getSnapshotId())))
                .build());
        Path large = Files.createDirectories(dir.resolve("large"));
        stage("pvc-large-xfs", large, capability, controllerPublish("pvc-large-xfs", capability), Map.of());
        assertThat(Files.readString(large.resolve("state"))).isEqualTo("small");
        assertThat(Files.getFileStore(large).getTotalSpace()).isGreaterThan(small + 400 * MIB);
        unstage("pvc-large-xfs", large);
        unstage("pvc-small-xfs", staging);
        controllerUnpublish("pvc-small-xfs");
        csi.controller().deleteSnapshot(Csi.DeleteSnapshotRequest.newBuilder().setSnapshotId(snapshot.getSnapshotId()).build());
    }

    @Test
    void rawBlockVolume() throws IOException {
        Path dir = csi.directory("block");
        Path staging = Files.createDirectories(dir.resolve("staging"));
        Path target = dir.resolve("device");
        Csi.VolumeCapability capability = blockCapability(Mode.SINGLE_NODE_WRITER);
        csi.controller().createVolume(Csi.CreateVolumeRequest.newBuilder().setName("pvc-block")
                .setCapacityRange(range(32 * MIB, 0)).addVolumeCapabilities(capability).build());
        Csi.ControllerPublishVolumeResponse published = controllerPublish("pvc-block", capability);
        stage("pvc-block", staging, capability, published, Map.of());
        stage("pvc-block", staging, capability, published, Map.of());
        assertCode(Code.ALREADY_EXISTS, () -> stage("pvc-block", staging, mountCapability(), published, Map.of()));
        assertThat(MountTable.isMountPoint(staging)).isFalse();
        assertCode(Code.FAILED_PRECONDITION, () -> publish("pvc-block", staging, target, mountCapability(), false));
        publish("pvc-block", staging, target, capability, false);
        publish("pvc-block", staging, target, capability, false);

        byte[] pattern = new byte[1 << 20];
        new Random(42).nextBytes(pattern);
        try (FileChannel device = FileChannel.open(target, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            assertThat(device.size()).isEqualTo(32 * MIB);
            device.write(ByteBuffer.wrap(pattern), 4 * MIB);
            device.force(true);
        }
        Csi.NodeGetVolumeStatsResponse stats = csi.node().nodeGetVolumeStats(Csi.NodeGetVolumeStatsRequest.newBuilder()
                .setVolumeId("pvc-block").setVolumePath(target.toString()).build());
        assertThat(stats.getUsageList()).singleElement().satisfies(u -> {
            assertThat(u.getUnit()).isEqualTo(Csi.VolumeUsage.Unit.BYTES);
            assertThat(u.getTotal()).isEqualTo(32 * MIB);
        });
        assertThat(stats.getVolumeCondition().getAbnormal()).isFalse();
        assertThat(csi.node().nodeExpandVolume(Csi.NodeExpandVolumeRequest.newBuilder().setVolumeId("pvc-block")
                .setVolumePath(target.toString()).setVolumeCapability(capability).build()).getCapacityBytes()).isEqualTo(32 * MIB);
        unpublish("pvc-block", target);
        assertThat(target).doesNotExist();
        unstage("pvc-block", staging);
        controllerUnpublish("pvc-block");
        assertThat(leftovers()).isEmpty();

        // the bytes went to the volume: read them back through its NBD export on a fresh staging
        stage("pvc-block", staging, capability, controllerPublish("pvc-block", capability), Map.of());
        publish("pvc-block", staging, target, capability, false);
        ByteBuffer read = ByteBuffer.allocate(pattern.length);
        try (FileChannel device = FileChannel.open(target, StandardOpenOption.READ)) {
            while (read.hasRemaining() && device.read(read, 4 * MIB + read.position()) > 0) {
                // keep reading
            }
        }
        assertThat(Arrays.equals(read.array(), pattern)).isTrue();
    }

    @Test
    void aRestartedPluginFindsWhatItStagedAndPublished() throws IOException {
        Path dir = csi.directory("restart");
        Path staging = Files.createDirectories(dir.resolve("staging"));
        Path target = dir.resolve("target");
        Csi.VolumeCapability capability = mountCapability();
        createVolume("pvc-restart", 64 * MIB);
        stage("pvc-restart", staging, capability, controllerPublish("pvc-restart", capability), Map.of());
        publish("pvc-restart", staging, target, capability, false);
        // a second plugin process on the same state directory, as after a restart of the container
        CsiConfig config = new CsiConfig(dir.resolve("plugin-2/csi.sock"), CsiFixture.NODE_ID,
                java.net.URI.create("http://127.0.0.1:" + csi.node.apiPort()), csi.root.resolve("state"),
                CsiConfig.DEFAULT_DRIVER_NAME, Duration.ofSeconds(60));
        try (CsiServer restarted = CsiServer.start(config)) {
            io.netty.channel.EventLoopGroup loop = new io.netty.channel.MultiThreadIoEventLoopGroup(1,
                    io.netty.channel.epoll.EpollIoHandler.newFactory());
            io.grpc.ManagedChannel channel = io.grpc.netty.NettyChannelBuilder
                    .forAddress(new io.netty.channel.unix.DomainSocketAddress(restarted.socket().toFile()))
                    .channelType(io.netty.channel.epoll.EpollDomainSocketChannel.class).eventLoopGroup(loop)
                    .withOption(io.netty.channel.ChannelOption.SO_KEEPALIVE, null).usePlaintext().build();
            try {
                NodeGrpc.NodeBlockingStub node = NodeGrpc.newBlockingStub(channel);
                node.nodePublishVolume(Csi.NodePublishVolumeRequest.newBuilder().setVolumeId("pvc-restart")
                        .setStagingTargetPath(staging.toString()).setTargetPath(target.toString())
                        .setVolumeCapability(capability).build());
                node.nodeUnpublishVolume(Csi.NodeUnpublishVolumeRequest.newBuilder().setVolumeId("pvc-restart")
                        .setTargetPath(target.toString()).build());
                node.nodeUnstageVolume(Csi.NodeUnstageVolumeRequest.newBuilder().setVolumeId("pvc-restart")
                        .setStagingTargetPath(staging.toString()).build());
            } finally {
                channel.shutdownNow();
                loop.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
            }
        }
        controllerUnpublish("pvc-restart");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void singleNodeSingleWriterRefusesASecondTarget() throws IOException {
        Path dir = csi.directory("single-writer");
        Path staging = Files.createDirectories(dir.resolve("staging"));
        Csi.VolumeCapability once = mountCapability("", Mode.SINGLE_NODE_SINGLE_WRITER);
        Csi.VolumeCapability shared = mountCapability();
        createVolume("pvc-once", 64 * MIB);
        stage("pvc-once", staging, once, controllerPublish("pvc-once", once), Map.of());
        publish("pvc-once", staging, dir.resolve("a"), once, false);
        assertCode(Code.FAILED_PRECONDITION, () -> publish("pvc-once", staging, dir.resolve("b"), once, false));
        assertThat(dir.resolve("b")).doesNotExist();
        unpublish("pvc-once", dir.resolve("a"));
        publish("pvc-once", staging, dir.resolve("c"), shared, false);
        publish("pvc-once", staging, dir.resolve("d"), shared, false);
        assertThat(MountTable.isMountPoint(dir.resolve("c"))).isTrue();
        assertThat(MountTable.isMountPoint(dir.resolve("d"))).isTrue();
    }
}
