package io.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.wharf.api.ReplicationInfo;
import io.wharf.api.VolumeChecksum;
import io.wharf.api.VolumeCreate;
import io.wharf.api.VolumeInfo;
import io.wharf.api.client.ApiClient;
import io.wharf.metadata.etcd.EtcdServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real network partition: three nodes, each in its own network namespace ({@link NetworkNamespaces}:
 * one bridge in the host namespace, where etcd and the test's clients are). The target of a volume
 * with two replicas is cut off from etcd, from the other nodes and from its client while that client
 * stays connected; the volume is taken over on the other replica's node; the partition heals. No split
 * brain: the old target's write fails, it stops serving, the new target's data is what every replica
 * ends up holding.
 */
class PartitionTest {
    private static final String TTL_SECONDS = "5"; // a shorter lease can lapse while JVMs start on a loaded 2-core machine
    private static final String VOLUME = "split";
    private static final int BLOCK_BYTES = 64 * 1024;
    private static final long SECOND_REGION = 1L << 20;
    private static final Duration OFFLINE = Duration.ofSeconds(20);
    private static final Duration CONVERGE = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private NetworkNamespaces network;
    private EtcdServer etcd;
    private final List<NodeProcess> nodes = new ArrayList<>();

    @BeforeEach
    void wire() throws Exception {
        network = NetworkNamespaces.create();
        etcd = EtcdServer.startFresh(network.hostAddress());
    }

    /** Everything goes, also after a failure: the nodes (by their own pids), etcd, then the namespaces and the bridge. */
    @AfterEach
    void tearDown() throws Exception {
        if (network == null) {
            return; // create() failed and removed what it had made
        }
        try {
            for (NodeProcess node : nodes) {
                node.close();
            }
        } finally {
            try {
                if (etcd != null) {
                    etcd.close();
                }
            } finally {
                network.close();
            }
        }
        network.assertNoResidue();
    }

    private NodeProcess node(NetworkNamespaces.Member member, String zone) throws IOException, InterruptedException {
        NodeProcess node = NodeProcess.inNamespace(dir.resolve(member.name()), etcd.url(), member.name(), member.launcher(),
                member.address(), "--zone", zone, "--rack", "r1", "--liveness-ttl", TTL_SECONDS);
        nodes.add(node);
        node.start();
        return node;
    }

    private static Map<String, String> states(ApiClient api) {
        ReplicationInfo replication = api.getVolume(VOLUME).replication();
        assertThat(replication).as("replication of " + VOLUME).isNotNull();
        return replication.replicas().stream().collect(Collectors.toMap(ReplicationInfo.Replica::node, ReplicationInfo.Replica::state));
    }

    private static String nodeState(ApiClient api, String id) {
        return api.listNodes().stream().filter(n -> n.id().equals(id)).findFirst().orElseThrow().state();
    }

    private static byte[] block(int seed) {
        byte[] data = new byte[BLOCK_BYTES];
        new Random(seed).nextBytes(data);
        return data;
    }

    @Test
    void aPartitionedTargetIsFencedAndResyncedFromTheNewTargetWhenThePartitionHeals() throws Exception {
        NetworkNamespaces.Member memberA = network.add("node-a");
        NodeProcess a = node(memberA, "zone-a");
        NodeProcess b = node(network.add("node-b"), "zone-b");
        NodeProcess c = node(network.add("node-c"), "zone-c");
        ApiClient api = c.api();
        Conditions.await("every node online", OFFLINE, // a lease may lapse while the JVMs start on a busy machine
                () -> api.listNodes().stream().filter(n -> n.state().equals("online")).count() == 3);
        api.createVolume(new VolumeCreate(VOLUME, 16L << 20, Map.of(), null, null, List.of("node-a", "node-b"), List.of(),
                Map.of(), 2));
        ReplicationInfo first = api.attachVolume(VOLUME, "node-a", false).replication();
        assertThat(first.target()).isEqualTo("node-a");
        assertThat(api.getVolume(VOLUME).nbdUri()).isEqualTo(a.nbdUri(VOLUME));

        byte[] before = block(1);
        byte[] kept = block(2);
        byte[] after = block(3);
        byte[] stale = new byte[BLOCK_BYTES];
        Arrays.fill(stale, (byte) 0x5a);
        try (TinyNbdClient old = new TinyNbdClient(a.host, a.nbdPort, VOLUME)) {
            old.write(0, before);
            old.write(SECOND_REGION, kept);
            old.flush();

            // node-a loses etcd, node-b, node-c and its client at once; its process and sockets live on.
            network.cut(memberA);
            Conditions.await("node-a offline", OFFLINE, () -> nodeState(api, "node-a").equals("offline"));
            VolumeInfo moved = api.attachVolume(VOLUME, "node-b", true);
            assertThat(moved.replication().target()).isEqualTo("node-b");
            assertThat(moved.replication().epoch()).isGreaterThan(first.epoch());
            assertThat(states(api)).containsEntry("node-a", "out-of-sync").containsEntry("node-b", "in-sync");
            try (TinyNbdClient now = new TinyNbdClient(b.host, b.nbdPort, VOLUME)) {
                assertThat(now.read(0, BLOCK_BYTES)).as("flushed through node-a, read through node-b").isEqualTo(before);
                assertThat(now.read(SECOND_REGION, BLOCK_BYTES)).isEqualTo(kept);
                now.write(0, after);
                now.flush();
                assertThat(now.read(0, BLOCK_BYTES)).isEqualTo(after);
            }

            // Heal. The old client's connection to node-a resumes: its write must not be acknowledged.
            network.heal(memberA);
            IOException refused = null;
            try {
                old.write(0, stale);
            } catch (IOException e) {
                refused = e; // an NBD error reply (a replica refused node-a's epoch), or node-a dropped its client
            }
            assertThat(refused).as("the write the old target's client sends after the takeover fails; node-a's log:\n%s",
                    a.logTail()).isNotNull();
        }
        String fencedLine = "volume=" + api.getVolume(VOLUME).id() + " epoch=" + first.epoch() + " ";
        Conditions.await("node-a logs that it is fenced", Duration.ofSeconds(30), () -> a.log().lines()
                .anyMatch(line -> line.contains(fencedLine) && line.endsWith("replicated volume fenced by a newer attach")));

        try (TinyNbdClient now = new TinyNbdClient(b.host, b.nbdPort, VOLUME)) {
            assertThat(now.read(0, BLOCK_BYTES)).as("node-b's data, never the fenced write").isEqualTo(after);
            assertThat(now.read(SECOND_REGION, BLOCK_BYTES)).isEqualTo(kept);
        }
        Conditions.await("node-a stops serving " + VOLUME, Duration.ofSeconds(30),
                () -> !TinyNbdClientProbe.exists(a.host, a.nbdPort, VOLUME));
        Conditions.await("node-a online again", Duration.ofSeconds(30), () -> nodeState(api, "node-a").equals("online"));
        Conditions.await("both replicas in sync", CONVERGE, () -> {
            try {
                return states(api).values().stream().allMatch("in-sync"::equals);
            } catch (RuntimeException e) {
                return false; // a node answering slowly while it reconnects
            }
        });
        VolumeChecksum checksum = api.checksumVolume(VOLUME, null);
        assertThat(checksum.match()).as("%s", checksum).isTrue();
        assertThat(checksum.replicas()).extracting(VolumeChecksum.Replica::node).containsExactlyInAnyOrder("node-a", "node-b");
        assertThat(a.log()).as("node-a's log").contains("volume=" + VOLUME + " stopped serving volume here");
    }
}
