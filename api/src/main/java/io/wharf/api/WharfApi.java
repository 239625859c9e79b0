package io.wharf.api;

import java.util.List;

/**
 * What the Wharf REST API offers, as a Java interface. The node implements it; {@code ApiClient}
 * implements it over HTTP; {@code ApiServer} exposes an implementation over HTTP. So the CLI,
 * the CSI driver and tests all speak to the same contract.
 *
 * <p>Every method throws {@link io.wharf.core.WharfException} with a stable code on refusal.
 */
public interface WharfApi {
    VolumeInfo createVolume(VolumeCreate request);

    List<VolumeInfo> listVolumes();

    VolumeInfo getVolume(String name);

    /** Grows a volume online; shrinking is refused with {@code SHRINK_NOT_SUPPORTED}. */
    VolumeInfo resizeVolume(String name, long sizeBytes);

    /** Deletes a volume; refused with {@code VOLUME_IN_USE} while clients are connected unless {@code force}. */
    void deleteVolume(String name, boolean force);

    List<PoolInfo> listPools();

    ClusterInfo clusterStatus();

    VersionInfo version();
}
