package io.wharf.csi;

import io.wharf.core.Names;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * How CSI names and ids map to Wharf names. A CSI name is any string up to 128 bytes; a Wharf
 * name is a DNS label. The mapping is a pure function, so CreateVolume and CreateSnapshot stay
 * idempotent across restarts without an index: a name that is already a valid Wharf name is
 * kept (Kubernetes' {@code pvc-<uid>} is), anything else becomes {@code csi-<40 hex of SHA-256>}.
 *
 * <p>Volume id = the Wharf volume name. Snapshot id = {@code volume@snapshot}, and every snapshot
 * made through CSI has a name starting {@code csi-}, so DeleteVolume can tell CSI snapshots (which
 * must outlive nothing they depend on) from scheduled ones.
 */
public final class CsiIds {
    public static final String SNAPSHOT_PREFIX = "csi-";

    private CsiIds() {}

    public static String volumeName(String csiName) {
        return valid(csiName) ? csiName : "csi-" + hash(csiName);
    }

    public static String snapshotName(String csiName) {
        String prefixed = SNAPSHOT_PREFIX + csiName;
        return valid(prefixed) ? prefixed : SNAPSHOT_PREFIX + hash(csiName);
    }

    public static String snapshotId(String volume, String snapshot) {
        return volume + "@" + snapshot;
    }

    /** The volume and snapshot of a snapshot id, empty if it is not one of ours. */
    public static Optional<String[]> parseSnapshotId(String id) {
        int at = id.indexOf('@');
        if (at <= 0 || at != id.lastIndexOf('@') || at == id.length() - 1) {
            return Optional.empty();
        }
        String volume = id.substring(0, at);
        String snapshot = id.substring(at + 1);
        return valid(volume) && valid(snapshot) ? Optional.of(new String[] {volume, snapshot}) : Optional.empty();
    }

    /** Whether {@code id} can name a Wharf volume at all (else it surely does not exist). */
    public static boolean validVolumeId(String id) {
        return valid(id);
    }

    private static boolean valid(String name) {
        try {
            Names.requireValid("csi", name);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 40);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is part of every JDK", e);
        }
    }
}
