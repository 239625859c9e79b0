package io.wharf.csi;

import static org.assertj.core.api.Assertions.assertThat;

import csi.v1.Csi;
import csi.v1.Csi.VolumeCapability.AccessMode.Mode;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.wharf.api.VolumeInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Identity and Controller RPCs over the socket against a real node: csi-sanity's Identity and Controller groups. */
class ControllerTest extends CsiTestBase {

    @Test
    void identityReportsNameCapabilitiesAndReadiness() {
        Csi.GetPluginInfoResponse info = csi.identity().getPluginInfo(Csi.GetPluginInfoRequest.getDefaultInstance());
        assertThat(info.getName()).isEqualTo("csi.wharf.io");
        assertThat(info.getVendorVersion()).isNotEmpty();
        List<Csi.PluginCapability> capabilities = csi.identity()
                .getPluginCapabilities(Csi.GetPluginCapabilitiesRequest.getDefaultInstance()).getCapabilitiesList();
        assertThat(capabilities).extracting(c -> c.getService().getType()).contains(
                Csi.PluginCapability.Service.Type.CONTROLLER_SERVICE,
                Csi.PluginCapability.Service.Type.VOLUME_ACCESSIBILITY_CONSTRAINTS);
        assertThat(capabilities).filteredOn(Csi.PluginCapability::hasVolumeExpansion)
                .extracting(c -> c.getVolumeExpansion().getType())
                .containsExactly(Csi.PluginCapability.VolumeExpansion.Type.ONLINE);
        assertThat(csi.identity().probe(Csi.ProbeRequest.getDefaultInstance()).getReady().getValue()).isTrue();
    }

    @Test
    void controllerCapabilitiesAreKnownOnes() {
        assertThat(csi.controller().controllerGetCapabilities(Csi.ControllerGetCapabilitiesRequest.getDefaultInstance())
                .getCapabilitiesList()).extracting(c -> c.getRpc().getType()).contains(
                Csi.ControllerServiceCapability.RPC.Type.CREATE_DELETE_VOLUME,
                Csi.ControllerServiceCapability.RPC.Type.PUBLISH_UNPUBLISH_VOLUME,
                Csi.ControllerServiceCapability.RPC.Type.LIST_VOLUMES,
                Csi.ControllerServiceCapability.RPC.Type.GET_CAPACITY,
                Csi.ControllerServiceCapability.RPC.Type.CREATE_DELETE_SNAPSHOT,
                Csi.ControllerServiceCapability.RPC.Type.LIST_SNAPSHOTS,
                Csi.ControllerServiceCapability.RPC.Type.CLONE_VOLUME,
                Csi.ControllerServiceCapability.RPC.Type.EXPAND_VOLUME,
                Csi.ControllerServiceCapability.RPC.Type.LIST_VOLUMES_PUBLISHED_NODES,
                Csi.ControllerServiceCapability.RPC.Type.VOLUME_CONDITION,
                Csi.ControllerServiceCapability.RPC.Type.GET_VOLUME)
                .doesNotContain(Csi.ControllerServiceCapability.RPC.Type.UNKNOWN);
    }

    @Test
    void createVolumeRefusesMissingOrUnsupportedFields() {
        Csi.CreateVolumeRequest good = Csi.CreateVolumeRequest.newBuilder().setName("pvc-fields")
                .addVolumeCapabilities(mountCapability()).build();
        assertCode(Code.INVALID_ARGUMENT, () -> csi.controller().createVolume(good.toBuilder().clearName().build()));
        assertCode(Code.INVALID_ARGUMENT, () -> csi.controller().createVolume(good.toBuilder().clearVolumeCapabilities().build()));
        assertCode(Code.INVALID_ARGUMENT, () -> csi.controller().createVolume(good.toBuilder().clearVolumeCapabilities()
                .addVolumeCapabilities(Csi.VolumeCapability.newBuilder().setAccessMode(
                        Csi.VolumeCapability.AccessMode.newBuilder().setMode(Mode.SINGLE_NODE_WRITER))).build()));
        assertCode(Code.INVALID_ARGUMENT, () -> csi.controller().createVolume(good.toBuilder().clearVolumeCapabilities()
                .addVolumeCapabilities(mountCapability().toBuilder().clearAccessMode()).build()));
        assertCode(Code.INVALID_ARGUMENT, () -> csi.controller().createVolume(good.toBuilder()
                .addVolumeCapabilities(mountCapability("", Mode.MULTI_NODE_MULTI_WRITER)).build()));
        assertCode(Code.INVALID_ARGUMENT, () -> csi.controller().createVolume(good.toBuilder()
                .addVolumeCapabilities(mountCapability("btrfs", Mode.SINGLE_NODE_WRITER)).build()));
        assertThat(csi.api.listVolumes()).isEmpty();
    }

    @Test
    void storageClassParametersAreValidated() {
        assertParameterRefused(Map.of("replicas", "1"), "unknown StorageClass parameter 'replicas'");
        assertParameterRefused(Map.of("repl", "4"), "out of range");
        assertParameterRefused(Map.of("repl", "x"), "not a number");
        assertParameterRefused(Map.of("fs", "zfs"), "ext4 or xfs");
        assertParameterRefused(Map.of("io_profile", "turbo"), "io_profile");
        assertParameterRefused(Map.of("labels", "novalue"), "KEY=VALUE");
        assertParameterRefused(Map.of("zones", "Not_A_Zone"), "zone");
        Csi.Volume volume = createVolume("pvc-repl-1", 64 * MIB, Map.of("repl", "1",
                "csi.storage.k8s.io/pvc/name", "data", "csi.storage.k8s.io/pvc/namespace", "default"));
        assertThat(volume.getVolumeId()).isEqualTo("pvc-repl-1");
    }

    private static void assertParameterRefused(Map<String, String> parameters, String message) {
        try {
            createVolume("pvc-parameters", 64 * MIB, parameters);
            throw new AssertionError("parameters " + parameters + " were accepted");
        } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains(message);
        }
    }

    @Test
    void storageClassParametersReachTheVolume() {
        Csi.Volume volume = createVolume("pvc-params", 64 * MIB, Map.of("fs", "xfs", "io_profile", "db",
                "labels", "app=pg,tier=gold", "snapshot_schedule", "periodic=60m,keep=5", "zones", "zone-a"));
        assertThat(volume.getVolumeContextMap()).containsEntry("fs", "xfs");
        assertThat(volume.getAccessibleTopologyList()).extracting(t -> t.getSegmentsMap().get(Topology.ZONE))
                .containsExactly("zone-a");
        VolumeInfo info = csi.api.getVolume("pvc-params");
        assertThat(info.labels()).containsEntry("app", "pg").containsEntry("tier", "gold")
                .containsEntry("wharf.io/io-profile", "db").containsEntry("csi.wharf.io/fs", "xfs");
        assertThat(info.snapshotSchedule()).isEqualTo("periodic=60m,keep=5");
        assertCode(Code.RESOURCE_EXHAUSTED, () -> createVolume("pvc-zone-x", 64 * MIB, Map.of("zones", "zone-x")));
    }

    @Test
    void createVolumeIsIdempotentByName() {
        Csi.Volume first = createVolume("pvc-same", 64 * MIB, Map.of("io_profile", "db"));
        Csi.Volume again = createVolume("pvc-same", 64 * MIB, Map.of("io_profile", "db"));
        assertThat(again).isEqualTo(first);
        assertCode(Code.ALREADY_EXISTS, () -> createVolume("pvc-same", 128 * MIB, Map.of("io_profile", "db")));
        assertCode(Code.ALREADY_EXISTS, () -> createVolume("pvc-same", 64 * MIB, Map.of("io_profile", "sequential")));
        Csi.Volume odd = createVolume("Sanity Volume/1", 64 * MIB);
        assertThat(odd.getVolumeId()).startsWith("csi-");
        assertThat(createVolume("Sanity Volume/1", 64 * MIB).getVolumeId()).isEqualTo(odd.getVolumeId());
        String longest = "sanity-controller-create-maxlen-" + "x".repeat(128 - 32);
        assertThat(longest).hasSize(128);
        assertThat(createVolume(longest, 64 * MIB).getVolumeId()).isEqualTo(createVolume(longest, 64 * MIB).getVolumeId());
        assertThat(csi.api.listVolumes()).hasSize(3);
    }

    @Test
    void capacityRangesAreHonoured() {
        Csi.CreateVolumeRequest base = Csi.CreateVolumeRequest.newBuilder().addVolumeCapabilities(mountCapability()).build();
        assertThat(csi.controller().createVolume(base.toBuilder().setName("pvc-default").build())
                .getVolume().getCapacityBytes()).isEqualTo(GIB);
        assertThat(csi.controller().createVolume(base.toBuilder().setName("pvc-rounded").setCapacityRange(range(10_000, 0))
                .build()).getVolume().getCapacityBytes()).isEqualTo(12_288);
        assertThat(csi.controller().createVolume(base.toBuilder().setName("pvc-exact").setCapacityRange(range(GIB, GIB))
                .build()).getVolume().getCapacityBytes()).isEqualTo(GIB);
        assertThat(csi.controller().createVolume(base.toBuilder().setName("pvc-limit").setCapacityRange(range(0, 100 * MIB))
                .build()).getVolume().getCapacityBytes()).isEqualTo(100 * MIB);
        assertCode(Code.OUT_OF_RANGE, () -> csi.controller().createVolume(base.toBuilder().setName("pvc-bad")
                .setCapacityRange(range(2 * GIB, GIB)).build()));
        assertCode(Code.OUT_OF_RANGE, () -> csi.controller().createVolume(base.toBuilder().setName("pvc-bad")
                .setCapacityRange(range(4000, 4001)).build()));
        assertCode(Code.OUT_OF_RANGE, () -> csi.controller().createVolume(base.toBuilder().setName("pvc-bad")
                .setCapacityRange(range(9L << 40, 0)).build()));
        assertCode(Code.INVALID_ARGUMENT, () -> csi.controller().createVolume(base.toBuilder().setName("pvc-bad")
                .setCapacityRange(range(-1, 0)).build()));
    }

    @Test
    void concurrentCreatesOfOneNameMakeOneVolumeAndAbortTheRest() throws Exception {
        List<Future<Code>> calls = new ArrayList<>();
        try (ExecutorService threads = Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < 8; i++) {
                calls.add(threads.submit(() -> {
                    try {
                        createVolume("pvc-race", 64 * MIB);
                        return Code.OK;
                    } catch (StatusRuntimeException e) {
                        return e.getStatus().getCode();
                    }
                }));
            }
        }
        List<Code> codes = new ArrayList<>();
        for (Future<Code> call : calls) {
            codes.add(call.get());
        }
        assertThat(codes).containsOnly(Code.OK, Code.ABORTED).contains(Code.OK);
        assertThat(csi.api.listVolumes()).extracting(VolumeInfo::name).containsExactly("pvc-race");
    }

    @Test
    void deleteVolumeIsIdempotent() {
        assertCode(Code.INVALID_ARGUMENT, () -> csi.controller().deleteVolume(Csi.DeleteVolumeRequest.getDefaultInstance()));
        csi.controller().deleteVolume(Csi.DeleteVolumeRequest.newBuilder().setVolumeId("pvc-never-was").build());
        csi.controller().deleteVolume(Csi.DeleteVolumeRequest.newBuilder().setVolumeId("Not A Wharf Id").build());
        createVolume("pvc-delete", 64 * MIB);
        csi.controller().deleteVolume(Csi.DeleteVolumeRequest.newBuilder().setVolumeId("pvc-delete").build());
        csi.controller().deleteVolume(Csi.DeleteVolumeRequest.newBuilder().setVolumeId("pvc-delete").build());
        assertThat(csi.api.listVolumes()).isEmpty();
    }

    @Test
    void validateVolumeCapabilities() {
        createVolume("pvc-validate", 64 * MIB);
        Csi.ValidateVolumeCapabilitiesRequest request = Csi.ValidateVolumeCapabilitiesRequest.newBuilder()
                .setVolumeId("pvc-validate").addVolumeCapabilities(mountCapability()).build();
        assertCode(Code.INVALID_ARGUMENT, () -> csi.controller().validateVolumeCapabilities(request.toBuilder().clearVolumeId().build()));
        assertCode(Code.INVALID_ARGUMENT, () -> csi.controller().validateVolumeCapabilities(
                request.toBuilder().clearVolumeCapabilities().build()));
        assertCode(Code.NOT_FOUND, () -> csi.controller().validateVolumeCapabilities(
                request.toBuilder().setVolumeId("pvc-missing").build()));
        assertCode(Code.INVALID_ARGUMENT, () -> csi.controller().validateVolumeCapabilities(
                request.toBuilder().putParameters("bogus", "1").build()));
        Csi.ValidateVolumeCapabilitiesResponse ok = csi.controller().validateVolumeCapabilities(request.toBuilder()
                .addVolumeCapabilities(blockCapability(Mode.SINGLE_NODE_SINGLE_WRITER)).build());
        assertThat(ok.getConfirmed().getVolumeCapabilitiesList()).hasSize(2);
        Csi.ValidateVolumeCapabilitiesResponse no = csi.controller().validateVolumeCapabilities(request.toBuilder()
                .addVolumeCapabilities(mountCapability("", Mode.MULTI_NODE_READER_ONLY)).build());
        assertThat(no.hasConfirmed()).isFalse();
        assertThat(no.getMessage()).contains("MULTI_NODE_READER_ONLY");
    }

    @Test
    void listVolumesPaginates() {
        List<String> names = List.of("pvc-list-1", "pvc-list-2", "pvc-list-3", "pvc-list-4", "pvc-list-5");
        names.forEach(n -> createVolume(n, 64 * MIB));
        controllerPublish("pvc-list-3", mountCapability());
        List<String> seen = new ArrayList<>();
        String token = "";
        int pages = 0;
        do {
            Csi.ListVolumesResponse page = csi.controller().listVolumes(Csi.ListVolumesRequest.newBuilder()
                    .setMaxEntries(2).setStartingToken(token).build());
            assertThat(page.getEntriesCount()).isLessThanOrEqualTo(2);
            for (Csi.ListVolumesResponse.Entry entry : page.getEntriesList()) {
                seen.add(entry.getVolume().getVolumeId());
                assertThat(entry.getStatus().getPublishedNodeIdsList())
                        .isEqualTo(entry.getVolume().getVolumeId().equals("pvc-list-3") ? List.of(CsiFixture.NODE_ID) : List.of());
                assertThat(entry.getStatus().getVolumeCondition().getAbnormal()).isFalse();
            }
            token = page.getNextToken();
            pages++;
        } while (!token.isEmpty());
        assertThat(seen).isEqualTo(names);
        assertThat(pages).isEqualTo(3);
        assertThat(csi.controller().listVolumes(Csi.ListVolumesRequest.getDefaultInstance()).getEntriesCount()).isEqualTo(5);
        assertCode(Code.ABORTED, () -> csi.controller().listVolumes(Csi.ListVolumesRequest.newBuilder()
                .setStartingToken("not-a-token").build()));
        assertCode(Code.ABORTED, () -> csi.controller().listVolumes(Csi.ListVolumesRequest.newBuilder()
                .setStartingToken("999").build()));
        assertCode(Code.INVALID_ARGUMENT, () -> csi.controller().listVolumes(Csi.ListVolumesRequest.newBuilder()
                .setMaxEntries(-1).build()));
    }

    @Test
    void getCapacityFollowsTopologyAndParameters() {
        Csi.GetCapacityResponse all = csi.controller().getCapacity(Csi.GetCapacityRequest.getDefaultInstance());
        assertThat(all.getAvailableCapacity()).isPositive();
        assertThat(all.getMaximumVolumeSize().getValue()).isPositive();
        Csi.Topology zoneA = Csi.Topology.newBuilder().putSegments(Topology.ZONE, "zone-a").build();
        Csi.Topology zoneB = Csi.Topology.newBuilder().putSegments(Topology.ZONE, "zone-b").build();
        assertThat(csi.controller().getCapacity(Csi.GetCapacityRequest.newBuilder().setAccessibleTopology(zoneA).build())
                .getAvailableCapacity()).isEqualTo(all.getAvailableCapacity());
        assertThat(csi.controller().getCapacity(Csi.GetCapacityRequest.newBuilder().setAccessibleTopology(zoneB).build())
                .getAvailableCapacity()).isZero();
        assertThat(csi.controller().getCapacity(Csi.GetCapacityRequest.newBuilder().putParameters("zones", "zone-b").build())
                .getAvailableCapacity()).isZero();
        assertThat(csi.controller().getCapacity(Csi.GetCapacityRequest.newBuilder()
                .addVolumeCapabilities(mountCapability("", Mode.MULTI_NODE_MULTI_WRITER)).build()).getAvailableCapacity()).isZero();
        assertCode(Code.INVALID_ARGUMENT, () -> csi.controller().getCapacity(Csi.GetCapacityRequest.newBuilder()
                .putParameters("bogus", "1").build()));
    }

    @Test
    void controllerPublishAndUnpublish() {
        createVolume("pvc-attach", 64 * MIB);
        Csi.ControllerPublishVolumeRequest request = Csi.ControllerPublishVolumeRequest.newBuilder()
                .setVolumeId("pvc-attach").setNodeId(CsiFixture.NODE_ID).setVolumeCapability(mountCapability()).build();
        assertCode(Code.INVALID_ARGUMENT, () -> csi.controller().controllerPublishVolume(request.toBuilder().clearVolumeId().build()));
        assertCode(Code.INVALID_ARGUMENT, () -> csi.controller().controllerPublishVolume(request.toBuilder().clearNodeId().build()));
        assertCode(Code.INVALID_ARGUMENT, () -> csi.controller().controllerPublishVolume(
                request.toBuilder().clearVolumeCapability().build()));
        assertCode(Code.NOT_FOUND, () -> csi.controller().controllerPublishVolume(request.toBuilder().setVolumeId("pvc-none").build()));
        assertCode(Code.NOT_FOUND, () -> csi.controller().controllerPublishVolume(request.toBuilder().setNodeId("node-9").build()));
        Csi.ControllerPublishVolumeResponse published = csi.controller().controllerPublishVolume(request);
        assertThat(published.getPublishContextMap().get("nbdUri")).startsWith("nbd://").endsWith("/pvc-attach");
        assertThat(csi.controller().controllerPublishVolume(request)).isEqualTo(published);
        Csi.ControllerGetVolumeResponse got = csi.controller().controllerGetVolume(
                Csi.ControllerGetVolumeRequest.newBuilder().setVolumeId("pvc-attach").build());
        assertThat(got.getStatus().getPublishedNodeIdsList()).containsExactly(CsiFixture.NODE_ID);
        assertThat(got.getVolume().getCapacityBytes()).isEqualTo(64 * MIB);
        assertCode(Code.FAILED_PRECONDITION, () -> csi.controller().deleteVolume(
                Csi.DeleteVolumeRequest.newBuilder().setVolumeId("pvc-attach").build()));
        csi.controller().controllerUnpublishVolume(Csi.ControllerUnpublishVolumeRequest.newBuilder()
                .setVolumeId("pvc-attach").setNodeId("node-other").build());
        assertThat(csi.api.getVolume("pvc-attach").attachedTo()).isEqualTo(CsiFixture.NODE_ID);
        controllerUnpublish("pvc-attach");
        assertThat(csi.api.getVolume("pvc-attach").attachedTo()).isNull();
        controllerUnpublish("pvc-attach");
        controllerUnpublish("pvc-none");
        assertCode(Code.INVALID_ARGUMENT, () -> csi.controller().controllerUnpublishVolume(
                Csi.ControllerUnpublishVolumeRequest.getDefaultInstance()));
    }

    @Test
    void controllerGetVolumeReportsConditionOrNotFound() {
        assertCode(Code.INVALID_ARGUMENT, () -> csi.controller().controllerGetVolume(Csi.ControllerGetVolumeRequest.getDefaultInstance()));
        assertCode(Code.NOT_FOUND, () -> csi.controller().controllerGetVolume(
                Csi.ControllerGetVolumeRequest.newBuilder().setVolumeId("pvc-none").build()));
        createVolume("pvc-get", 64 * MIB);
        Csi.ControllerGetVolumeResponse got = csi.controller().controllerGetVolume(
                Csi.ControllerGetVolumeRequest.newBuilder().setVolumeId("pvc-get").build());
        assertThat(got.getStatus().getVolumeCondition().getAbnormal()).isFalse();
        assertThat(got.getStatus().getPublishedNodeIdsList()).isEmpty();
    }

    @Test
    void controllerExpandVolume() {
        assertCode(Code.INVALID_ARGUMENT, () -> csi.controller().controllerExpandVolume(
                Csi.ControllerExpandVolumeRequest.newBuilder().setCapacityRange(range(GIB, 0)).build()));
        assertCode(Code.INVALID_ARGUMENT, () -> csi.controller().controllerExpandVolume(
                Csi.ControllerExpandVolumeRequest.newBuilder().setVolumeId("pvc-grow").build()));
        assertCode(Code.NOT_FOUND, () -> csi.controller().controllerExpandVolume(Csi.ControllerExpandVolumeRequest.newBuilder()
                .setVolumeId("pvc-none").setCapacityRange(range(GIB, 0)).build()));
        createVolume("pvc-grow", 64 * MIB);
        Csi.ControllerExpandVolumeRequest grow = Csi.ControllerExpandVolumeRequest.newBuilder().setVolumeId("pvc-grow")
                .setCapacityRange(range(128 * MIB, 0)).setVolumeCapability(mountCapability()).build();
        Csi.ControllerExpandVolumeResponse grown = csi.controller().controllerExpandVolume(grow);
        assertThat(grown.getCapacityBytes()).isEqualTo(128 * MIB);
        assertThat(grown.getNodeExpansionRequired()).isTrue();
        assertThat(csi.controller().controllerExpandVolume(grow)).isEqualTo(grown);
        assertThat(csi.controller().controllerExpandVolume(grow.toBuilder().setCapacityRange(range(64 * MIB, 0)).build())
                .getCapacityBytes()).isEqualTo(128 * MIB);
        assertThat(csi.controller().controllerExpandVolume(grow.toBuilder()
                .setVolumeCapability(blockCapability(Mode.SINGLE_NODE_WRITER)).build()).getNodeExpansionRequired()).isFalse();
        assertCode(Code.OUT_OF_RANGE, () -> csi.controller().controllerExpandVolume(
                grow.toBuilder().setCapacityRange(range(512 * MIB, 256 * MIB)).build()));
        assertCode(Code.OUT_OF_RANGE, () -> csi.controller().controllerExpandVolume(
                grow.toBuilder().setCapacityRange(range(9L << 40, 0)).build()));
        // ONLINE expansion: a published volume grows, and its node must follow, even for a raw block volume
        controllerPublish("pvc-grow", mountCapability());
        Csi.ControllerExpandVolumeResponse published = csi.controller().controllerExpandVolume(
                grow.toBuilder().setCapacityRange(range(256 * MIB, 0)).build());
        assertThat(published.getCapacityBytes()).isEqualTo(256 * MIB);
        assertThat(published.getNodeExpansionRequired()).isTrue();
        assertThat(csi.controller().controllerExpandVolume(grow.toBuilder().setCapacityRange(range(256 * MIB, 0))
                .setVolumeCapability(blockCapability(Mode.SINGLE_NODE_WRITER)).build()).getNodeExpansionRequired()).isTrue();
        assertThat(csi.api.getVolume("pvc-grow").sizeBytes()).isEqualTo(256 * MIB);
    }
}
