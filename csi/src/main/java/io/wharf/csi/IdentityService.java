package io.wharf.csi;

import com.google.protobuf.BoolValue;
import csi.v1.Csi;
import csi.v1.IdentityGrpc;
import io.grpc.stub.StreamObserver;
import io.wharf.api.WharfApi;
import io.wharf.core.WharfException;
import io.wharf.core.WharfVersion;

/**
 * The Identity service: name and version, what the plugin offers (controller service, topology,
 * online volume expansion), and readiness. Probe answers "not ready" rather than an error while
 * the Wharf API cannot be reached: restarting the plugin would not bring the node back.
 */
public final class IdentityService extends IdentityGrpc.IdentityImplBase {
    private final String driverName;
    private final WharfApi api;

    public IdentityService(String driverName, WharfApi api) {
        this.driverName = driverName;
        this.api = api;
    }

    @Override
    public void getPluginInfo(Csi.GetPluginInfoRequest request, StreamObserver<Csi.GetPluginInfoResponse> response) {
        Rpc.reply(response, () -> Csi.GetPluginInfoResponse.newBuilder()
                .setName(driverName).setVendorVersion(WharfVersion.version()).build());
    }

    @Override
    public void getPluginCapabilities(Csi.GetPluginCapabilitiesRequest request,
                                      StreamObserver<Csi.GetPluginCapabilitiesResponse> response) {
        Rpc.reply(response, () -> Csi.GetPluginCapabilitiesResponse.newBuilder()
                .addCapabilities(service(Csi.PluginCapability.Service.Type.CONTROLLER_SERVICE))
                .addCapabilities(service(Csi.PluginCapability.Service.Type.VOLUME_ACCESSIBILITY_CONSTRAINTS))
                // ONLINE: a published volume grows; NodeExpandVolume raises its staged device's limit over
                // the growable NBD export and grows the mounted filesystem (see README)
                .addCapabilities(Csi.PluginCapability.newBuilder().setVolumeExpansion(
                        Csi.PluginCapability.VolumeExpansion.newBuilder()
                                .setType(Csi.PluginCapability.VolumeExpansion.Type.ONLINE)))
                .build());
    }

    private static Csi.PluginCapability service(Csi.PluginCapability.Service.Type type) {
        return Csi.PluginCapability.newBuilder()
                .setService(Csi.PluginCapability.Service.newBuilder().setType(type)).build();
    }

    @Override
    public void probe(Csi.ProbeRequest request, StreamObserver<Csi.ProbeResponse> response) {
        Rpc.reply(response, () -> {
            boolean ready;
            try {
                api.version();
                ready = true;
            } catch (WharfException e) {
                ready = false;
            }
            return Csi.ProbeResponse.newBuilder().setReady(BoolValue.of(ready)).build();
        });
    }
}
