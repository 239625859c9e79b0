package io.wharf.cli.mount;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How {@link LocalMounter} works on this machine.
 *
 * @param stateRoot      where each mount keeps its private state directory
 * @param transport      how the NBD export becomes a block device
 * @param timeout        the longest wait for one step (a device to appear, a tool to finish, nbdfuse to exit)
 * @param runningAsRoot  whether this process may mount; mounting needs root
 */
public record MountSettings(Path stateRoot, Transport transport, Duration timeout, boolean runningAsRoot) {
    public static final Path DEFAULT_STATE_ROOT = Path.of("/run/wharf/mounts");
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    public MountSettings {
        Objects.requireNonNull(stateRoot, "stateRoot");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(timeout, "timeout");
        if (!stateRoot.isAbsolute()) {
            throw new IllegalArgumentException("stateRoot must be absolute: " + stateRoot);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
    }

    /** The settings of this machine: {@code /run/wharf/mounts}, automatic transport, root as the process is. */
    public static MountSettings defaults() {
        return new MountSettings(DEFAULT_STATE_ROOT, Transport.AUTO, DEFAULT_TIMEOUT, Privileges.isRoot());
    }

    public MountSettings withStateRoot(Path root) {
        return new MountSettings(root, transport, timeout, runningAsRoot);
    }

    public MountSettings withTransport(Transport newTransport) {
        return new MountSettings(stateRoot, newTransport, timeout, runningAsRoot);
    }

    public MountSettings withRunningAsRoot(boolean root) {
        return new MountSettings(stateRoot, transport, timeout, root);
    }
}
