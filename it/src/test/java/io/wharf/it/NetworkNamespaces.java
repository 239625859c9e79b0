package io.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Linux network namespaces for real-process tests, wired to the host through one bridge.
 *
 * <p>Wiring: a bridge in the host namespace holds {@code 10.213.N.1/24} (N a free subnet, chosen at
 * random among those no local address or route uses); each member namespace has its own loopback up
 * and one end of a veth pair holding {@code 10.213.N.(i+2)/24}, whose other end is a port of the
 * bridge. All of them are one Ethernet segment: members reach each other and the host (etcd, the
 * test's own clients) without routing, so {@code ip_forward} is left alone.
 *
 * <p>{@link #cut} takes a member's bridge port down: it reaches nobody and nobody reaches it, but its
 * processes and their sockets live on (a partition, not a crash); {@link #heal} brings the port back
 * up, and the TCP connections that survived resume. {@link #close()} deletes the namespaces (their veth
 * pairs with them) and the bridge, after the processes in them ended; a JVM shutdown hook does the same
 * if a test never gets there. Every name carries this instance's tag ({@link #NAMESPACE_PREFIX} + tag
 * for namespaces, {@code wp} + tag for links), so {@link #assertNoResidue()} can check that nothing of it
 * is left.
 *
 * <p>Needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN) and iproute2; without them {@link #create()} fails
 * with what is missing rather than letting a test skip.
 */
final class NetworkNamespaces implements AutoCloseable {
    static final String NAMESPACE_PREFIX = "wharf-pt-";
    private static final String SUBNET_PREFIX = "10.213.";
    private static final int MAX_MEMBERS = 8;
    private static final long COMMAND_TIMEOUT_SECONDS = 30;

    /** One namespace: {@code launcher()} runs a command inside it; {@code address} is its own. */
    record Member(String name, String namespace, String address, String hostLink) {
        List<String> launcher() {
            return List.of(ip(), "netns", "exec", namespace);
        }
    }

    private final String tag;
    private final int subnet;
    private final String bridge;
    private final List<Member> members = new ArrayList<>();
    private final Thread shutdownHook;
    private boolean bridgeCreated;
    private boolean closed;

    private NetworkNamespaces(String tag, int subnet) {
        this.tag = tag;
        this.subnet = subnet;
        this.bridge = "wp" + tag + "-br";
        this.shutdownHook = new Thread(this::deleteAll, "network-namespaces-cleanup");
    }

    /** A bridge on a free private subnet, with no member yet. */
    static NetworkNamespaces create() throws IOException, InterruptedException {
        requireNamespaces();
        String tag = String.format("%05x", ThreadLocalRandom.current().nextInt(1 << 20));
        NetworkNamespaces network = new NetworkNamespaces(tag, freeSubnet());
        Runtime.getRuntime().addShutdownHook(network.shutdownHook);
        try {
            network.ok("link", "add", network.bridge, "type", "bridge");
            network.bridgeCreated = true;
            network.ok("addr", "add", network.hostAddress() + "/24", "dev", network.bridge);
            network.ok("link", "set", network.bridge, "up");
            return network;
        } catch (RuntimeException | Error e) {
            network.close();
            throw e;
        }
    }

    /** The host's address on the bridge: what members use to reach a server in the host namespace. */
    String hostAddress() {
        return SUBNET_PREFIX + subnet + ".1";
    }

    /** A new namespace named after {@code name}, joined to the bridge, with its loopback up. */
    Member add(String name) throws IOException, InterruptedException {
        if (members.size() == MAX_MEMBERS) {
            throw new IllegalStateException("at most " + MAX_MEMBERS + " namespaces per network");
        }
        String suffix = String.valueOf((char) ('a' + members.size()));
        Member member = new Member(name, NAMESPACE_PREFIX + tag + "-" + name, SUBNET_PREFIX + subnet + "." + (members.size() + 2),
                "wp" + tag + "-" + suffix);
        String peer = member.hostLink() + "-ns";
        members.add(member);
        ok("netns", "add", member.namespace());
        ok("-n", member.namespace(), "link", "set", "lo", "up");
        ok("link", "add", member.hostLink(), "type", "veth", "peer", "name", peer);
        ok("link", "set", peer, "netns", member.namespace());
        ok("link", "set", member.hostLink(), "master", bridge);
        ok("link", "set", member.hostLink(), "up");
        ok("-n", member.namespace(), "addr", "add", member.address() + "/24", "dev", peer);
        ok("-n", member.namespace(), "link", "set", peer, "up");
        return member;
    }

    /** Partitions {@code member} from everyone: its port on the bridge goes down. */
    void cut(Member member) throws IOException, InterruptedException {
        ok("link", "set", member.hostLink(), "down");
    }

    /** Ends the partition of {@code member}: its port on the bridge comes back up. */
    void heal(Member member) throws IOException, InterruptedException {
        ok("link", "set", member.hostLink(), "up");
    }

    /**
     * Deletes the namespaces and the bridge. Call it after the processes inside have ended: a
     * namespace a process still holds outlives {@code ip netns del} (its veth pair too, which is why
     * the host ends are deleted explicitly as well).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        deleteAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down; the hook is running or has run.
        }
    }

    /** Fails when a namespace or link of this instance still exists. */
    void assertNoResidue() throws IOException, InterruptedException {
        assertThat(run("netns", "list").output()).as("network namespaces left behind").doesNotContain(NAMESPACE_PREFIX + tag);
        assertThat(run("-o", "link", "show").output()).as("links left behind").doesNotContain("wp" + tag);
    }

    private void deleteAll() {
        List<String> failures = new ArrayList<>();
        for (Member member : members.reversed()) {
            quietly("netns", "del", member.namespace()).ifPresent(failures::add);
            if (linkExists(member.hostLink())) {
                quietly("link", "del", member.hostLink()).ifPresent(failures::add);
            }
        }
        if (bridgeCreated && linkExists(bridge)) {
            quietly("link", "del", bridge).ifPresent(failures::add);
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("cleaning up the test network failed:\n" + String.join("\n", failures));
        }
    }

    private java.util.Optional<String> quietly(String... args) {
        try {
            Tools.Result result = run(args);
            // gone already: a veth's host end can vanish between the check and the delete, as its namespace's deletion completes
            boolean gone = result.output().contains("No such file") || result.output().contains("Cannot find device")
                    || result.output().contains("No such device");
            return result.exitCode() == 0 || gone ? java.util.Optional.empty()
                    : java.util.Optional.of("ip " + String.join(" ", args) + ": " + result.output().strip());
        } catch (IOException e) {
            return java.util.Optional.of("ip " + String.join(" ", args) + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.of("ip " + String.join(" ", args) + ": interrupted");
        }
    }

    private boolean linkExists(String link) {
        try {
            return run("link", "show", link).exitCode() == 0;
        } catch (IOException e) {
            return true; // try to delete it anyway
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    private static int freeSubnet() throws IOException, InterruptedException {
        String used = run("-4", "-o", "addr", "show").output() + run("-4", "route", "show", "table", "all").output();
        List<Integer> free = new ArrayList<>();
        for (int candidate = 16; candidate < 240; candidate++) {
            if (!used.contains(SUBNET_PREFIX + candidate + ".")) {
                free.add(candidate);
            }
        }
        if (free.isEmpty()) {
            throw new AssertionError("no free subnet " + SUBNET_PREFIX + "N.0/24 on this machine:\n" + used);
        }
        return free.get(ThreadLocalRandom.current().nextInt(free.size()));
    }

    /** Fails with what is missing when this machine cannot create network namespaces. */
    private static void requireNamespaces() throws IOException, InterruptedException {
        if (!Files.exists(Path.of("/proc/self/ns/net"))) {
            throw new AssertionError("this kernel has no network namespaces (/proc/self/ns/net is missing)");
        }
        String probe = NAMESPACE_PREFIX + "probe-" + ProcessHandle.current().pid();
        Tools.Result added = run("netns", "add", probe);
        if (added.exitCode() != 0) {
            throw new AssertionError("cannot create a network namespace (`ip netns add` said: " + added.output().strip()
                    + "); the partition tests need root, or CAP_SYS_ADMIN and CAP_NET_ADMIN");
        }
        Tools.Result deleted = run("netns", "del", probe);
        if (deleted.exitCode() != 0) {
            throw new AssertionError("cannot delete the probe namespace " + probe + ": " + deleted.output().strip());
        }
    }

    private void ok(String... args) throws IOException, InterruptedException {
        Tools.Result result = run(args);
        if (result.exitCode() != 0) {
            throw new AssertionError("ip " + String.join(" ", args) + " failed with " + result.exitCode() + ": "
                    + result.output().strip());
        }
    }

    private static Tools.Result run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ip()));
        command.addAll(List.of(args));
        return Tools.run(COMMAND_TIMEOUT_SECONDS, command);
    }

    /** The {@code ip} binary: on PATH, or in the sbin directories a non-root PATH may lack. */
    private static String ip() {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (String dir : dirs) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "ip"))) {
                return Path.of(dir, "ip").toString();
            }
        }
        throw new AssertionError("ip (iproute2) is not installed; .ci/run installs the tools the tests need");
    }
}
