package io.wharf.csi.controller;

import io.wharf.core.Names;
import io.wharf.core.WharfException;
import io.wharf.csi.CsiErrors;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A StorageClass's {@code parameters}, validated. Unknown keys are refused (INVALID_ARGUMENT)
 * so a typo does not silently give a default volume; keys under {@code csi.storage.k8s.io/} are
 * the external-provisioner's own and are ignored.
 *
 * @param fs               ext4 or xfs, made by NodeStage on a blank volume; null: ext4, or the
 *                         capability's fs_type
 * @param ioProfile        one of {@link #IO_PROFILES}, kept as the volume label {@code wharf.io/io-profile}
 * @param zones            placement: only nodes in these zones hold the volume
 * @param labels           the volume's labels
 * @param snapshotSchedule a snapshot schedule in Portworx syntax, or null
 * @param repl             synchronous replicas, 1 to 3 (default 1)
 */
public record StorageClassParameters(String fs, String ioProfile, List<String> zones, Map<String, String> labels,
                                     String snapshotSchedule, String fingerprint, int repl) {
    public static final Set<String> KEYS = Set.of("repl", "fs", "io_profile", "zones", "labels", "snapshot_schedule");
    public static final List<String> IO_PROFILES = List.of("auto", "db", "sequential", "random");
    public static final String PROVISIONER_PREFIX = "csi.storage.k8s.io/";
    /** Label holding the fingerprint of the parameters a volume was created with (idempotency). */
    public static final String FINGERPRINT_LABEL = "csi.wharf.io/parameters";
    public static final String IO_PROFILE_LABEL = "wharf.io/io-profile";

    public static StorageClassParameters parse(Map<String, String> parameters) {
        Map<String, String> ours = new TreeMap<>();
        parameters.forEach((key, value) -> {
            if (!key.startsWith(PROVISIONER_PREFIX)) {
                ours.put(key, value);
            }
        });
        for (String key : ours.keySet()) {
            if (!KEYS.contains(key)) {
                throw CsiErrors.invalid("unknown StorageClass parameter '" + key + "'; Wharf knows " + new TreeMap<>(
                        Map.of("repl", "1", "fs", "ext4|xfs", "io_profile", String.join("|", IO_PROFILES),
                                "zones", "a,b", "labels", "k=v,...", "snapshot_schedule", "periodic=60m,keep=5")).keySet());
            }
        }
        int repl = replication(ours.get("repl"));
        String fs = ours.get("fs");
        if (fs != null && !List.of("ext4", "xfs").contains(fs)) {
            throw CsiErrors.invalid("parameter fs='" + fs + "' is not supported; use ext4 or xfs");
        }
        String ioProfile = ours.get("io_profile");
        if (ioProfile != null && !IO_PROFILES.contains(ioProfile)) {
            throw CsiErrors.invalid("parameter io_profile='" + ioProfile + "' is not one of " + IO_PROFILES);
        }
        List<String> zones = new ArrayList<>();
        for (String zone : split(ours.get("zones"))) {
            zones.add(valid(() -> Names.requireValid("zone", zone)));
        }
        Map<String, String> labels = new LinkedHashMap<>();
        for (String pair : split(ours.get("labels"))) {
            int equals = pair.indexOf('=');
            if (equals <= 0) {
                throw CsiErrors.invalid("parameter labels: '" + pair + "' is not KEY=VALUE");
            }
            String key = pair.substring(0, equals).strip();
            String value = pair.substring(equals + 1).strip();
            valid(() -> {
                Names.requireValidLabel(key, value);
                return key;
            });
            labels.put(key, value);
        }
        String schedule = ours.get("snapshot_schedule");
        return new StorageClassParameters(fs, ioProfile, List.copyOf(zones), labels,
                schedule == null || schedule.isBlank() ? null : schedule.strip(), fingerprint(ours), repl);
    }

    private static int replication(String repl) {
        if (repl == null) {
            return 1;
        }
        int factor;
        try {
            factor = Integer.parseInt(repl.strip());
        } catch (NumberFormatException e) {
            throw CsiErrors.invalid("parameter repl='" + repl + "' is not a number; give 1, 2 or 3");
        }
        if (factor < 1 || factor > 3) {
            throw CsiErrors.invalid("parameter repl=" + repl + " is out of range; Wharf volumes have 1 to 3 replicas");
        }
        return factor;
    }

    private static List<String> split(String text) {
        List<String> parts = new ArrayList<>();
        if (text == null) {
            return parts;
        }
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                parts.add(part.strip());
            }
        }
        return parts;
    }

    private static String valid(java.util.function.Supplier<String> check) {
        try {
            return check.get();
        } catch (WharfException e) {
            throw CsiErrors.invalid("parameter " + e.getMessage());
        }
    }

    /** The labels the volume is created with: the user's, the io profile and the fingerprint. */
    public Map<String, String> volumeLabels() {
        Map<String, String> all = new LinkedHashMap<>(labels);
        if (ioProfile != null) {
            all.put(IO_PROFILE_LABEL, ioProfile);
        }
        all.put(FINGERPRINT_LABEL, fingerprint);
        return all;
    }

    /** The volume context every response carries for this volume (the same on every call). */
    public Map<String, String> volumeContext() {
        return fs == null ? Map.of() : Map.of("fs", fs);
    }

    private static String fingerprint(Map<String, String> sorted) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            sorted.forEach((key, value) -> digest.update((key + "=" + value + "\n").getBytes(StandardCharsets.UTF_8)));
            return HexFormat.of().formatHex(digest.digest()).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is part of every JDK", e);
        }
    }

}
