package io.wharf.csi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import csi.v1.Csi;
import csi.v1.Csi.VolumeCapability.AccessMode.Mode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.wharf.cli.mount.MountTable;
import io.wharf.core.ByteSize;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** One fixture per test class; after every test, whatever it left staged, published or created is undone. */
abstract class CsiTestBase {
    static final long MIB = ByteSize.MIB;
    static final long GIB = ByteSize.GIB;

    @TempDir
    static Path temporary;
    static CsiFixture csi;

    @BeforeAll
    static void startFixture() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "the CSI tests mount filesystems and need root");
        csi = CsiFixture.start(temporary);
    }

    @AfterEach
    void cleanUpAfterTest() {
        if (csi != null) {
            csi.cleanUp();
        }
    }

    @AfterAll
    static void stopFixture() {
        if (csi != null) {
            csi.close();
            csi = null;
        }
    }

    static Csi.VolumeCapability mountCapability(String fs, Mode mode, String... flags) {
        return Csi.VolumeCapability.newBuilder()
                .setMount(Csi.VolumeCapability.MountVolume.newBuilder().setFsType(fs).addAllMountFlags(List.of(flags)))
                .setAccessMode(Csi.VolumeCapability.AccessMode.newBuilder().setMode(mode)).build();
    }

    static Csi.VolumeCapability mountCapability() {
        return mountCapability("", Mode.SINGLE_NODE_WRITER);
    }

    static Csi.VolumeCapability blockCapability(Mode mode) {
        return Csi.VolumeCapability.newBuilder().setBlock(Csi.VolumeCapability.BlockVolume.getDefaultInstance())
                .setAccessMode(Csi.VolumeCapability.AccessMode.newBuilder().setMode(mode)).build();
    }

    static Csi.CapacityRange range(long required, long limit) {
        return Csi.CapacityRange.newBuilder().setRequiredBytes(required).setLimitBytes(limit).build();
    }

    static Csi.Volume createVolume(String name, long bytes, Map<String, String> parameters) {
        return csi.controller().createVolume(Csi.CreateVolumeRequest.newBuilder().setName(name)
                .setCapacityRange(range(bytes, 0)).addVolumeCapabilities(mountCapability())
                .putAllParameters(parameters).build()).getVolume();
    }

    static Csi.Volume createVolume(String name, long bytes) {
        return createVolume(name, bytes, Map.of());
    }

    static Csi.ControllerPublishVolumeResponse controllerPublish(String volumeId, Csi.VolumeCapability capability) {
        return csi.controller().controllerPublishVolume(Csi.ControllerPublishVolumeRequest.newBuilder()
                .setVolumeId(volumeId).setNodeId(CsiFixture.NODE_ID).setVolumeCapability(capability).build());
    }

    static void controllerUnpublish(String volumeId) {
        csi.controller().controllerUnpublishVolume(Csi.ControllerUnpublishVolumeRequest.newBuilder()
                .setVolumeId(volumeId).setNodeId(CsiFixture.NODE_ID).build());
    }

    static void stage(String volumeId, Path staging, Csi.VolumeCapability capability,
                      Csi.ControllerPublishVolumeResponse published, Map<String, String> context) {
        csi.node().nodeStageVolume(Csi.NodeStageVolumeRequest.newBuilder().setVolumeId(volumeId)
                .setStagingTargetPath(staging.toString()).setVolumeCapability(capability)
                .putAllPublishContext(published.getPublishContextMap()).putAllVolumeContext(context).build());
    }

    static void publish(String volumeId, Path staging, Path target, Csi.VolumeCapability capability, boolean readOnly) {
        csi.node().nodePublishVolume(Csi.NodePublishVolumeRequest.newBuilder().setVolumeId(volumeId)
                .setStagingTargetPath(staging.toString()).setTargetPath(target.toString())
                .setVolumeCapability(capability).setReadonly(readOnly).build());
    }

    static void unpublish(String volumeId, Path target) {
        csi.node().nodeUnpublishVolume(Csi.NodeUnpublishVolumeRequest.newBuilder().setVolumeId(volumeId)
                .setTargetPath(target.toString()).build());
    }

    static void unstage(String volumeId, Path staging) {
        csi.node().nodeUnstageVolume(Csi.NodeUnstageVolumeRequest.newBuilder().setVolumeId(volumeId)
                .setStagingTargetPath(staging.toString()).build());
    }

    static void assertCode(Status.Code code, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).as(e.getStatus().getDescription()).isEqualTo(code));
    }

    /** Mounts, loop devices and nbdfuse processes of this fixture still present (all empty when nothing is left behind). */
    static List<String> leftovers() throws IOException {
        List<String> found = new ArrayList<>();
        String root = csi.root.toString();
        MountTable.read().stream().filter(e -> e.mountPoint().toString().startsWith(root))
                .forEach(e -> found.add("mount " + e.mountPoint()));
        try (DirectoryStream<Path> loops = Files.newDirectoryStream(Path.of("/sys/block"), "loop*")) {
            for (Path loop : loops) {
                try {
                    String backing = Files.readString(loop.resolve("loop/backing_file"), StandardCharsets.UTF_8).strip();
                    if (backing.startsWith(root)) {
                        found.add("loop " + loop.getFileName() + " -> " + backing);
                    }
                } catch (NoSuchFileException e) {
                    // not attached
                }
            }
        }
        ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains("nbdfuse")
                && p.info().commandLine().orElse("").contains(root)).forEach(p -> found.add("process " + p.pid()));
        return found;
    }
}
