package io.wharf.control.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wharf.control.placement.Placement.Candidate;
import io.wharf.control.placement.Placement.Request;
import io.wharf.core.ByteSize;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlacementTest {
    private static final long GIB = ByteSize.GIB;

    private static Candidate node(String id, String zone, String rack, long provisionableGib) {
        return new Candidate(id, zone, rack, true, false, false, provisionableGib * GIB, provisionableGib * GIB, Map.of());
    }

    private static Request request(long sizeGib, int copies) {
        return new Request("db", sizeGib * GIB, copies, List.of(), List.of(), Map.of());
    }

    @Test
    void spreadsAcrossZonesThenRacksThenFreeSpace() {
        List<Candidate> nodes = List.of(node("a1", "a", "r1", 100), node("a2", "a", "r2", 90), node("b1", "b", "r1", 10),
                node("c1", "c", "r1", 5));
        assertThat(Placement.choose(request(1, 1), nodes)).containsExactly("a1");
        assertThat(Placement.choose(request(1, 3), nodes)).as("three zones before a second node in zone a")
                .containsExactly("a1", "b1", "c1");
        List<Candidate> twoZones = List.of(node("a1", "a", "r1", 100), node("a2", "a", "r1", 95), node("a3", "a", "r2", 10),
                node("b1", "b", "r1", 5));
        assertThat(Placement.choose(request(1, 3), twoZones)).as("then a new rack before the roomier node on the same rack")
                .containsExactly("a1", "b1", "a3");
    }

    @Test
    void honoursNodesZonesAndLabels() {
        List<Candidate> nodes = List.of(node("a1", "a", "r1", 100), node("b1", "b", "r1", 50),
                new Candidate("b2", "b", "r2", true, false, false, GIB, 20 * GIB, Map.of("disk", "ssd")));
        assertThat(Placement.choose(new Request("db", GIB, 1, List.of("b1"), List.of(), Map.of()), nodes)).containsExactly("b1");
        assertThat(Placement.choose(new Request("db", GIB, 1, List.of(), List.of("b"), Map.of()), nodes)).containsExactly("b1");
        assertThat(Placement.choose(new Request("db", GIB, 1, List.of(), List.of(), Map.of("disk", "ssd")), nodes))
                .containsExactly("b2");
    }

    @Test
    void refusalsSayWhichConstraintFailed() {
        List<Candidate> nodes = List.of(node("a1", "a", "r1", 100),
                new Candidate("b1", "b", "r1", false, false, false, 0, 100 * GIB, Map.of()),
                new Candidate("c1", "c", "r1", true, true, false, 0, 100 * GIB, Map.of()));
        assertThatThrownBy(() -> Placement.choose(request(1, 2), nodes)).isInstanceOf(WharfException.class)
                .hasMessage("volume 'db' needs 2 nodes and 1 can take it: 1 in maintenance; 1 offline")
                .extracting(e -> ((WharfException) e).code()).isEqualTo(ErrorCode.PLACEMENT_FAILED);
        assertThatThrownBy(() -> Placement.choose(new Request("db", GIB, 1, List.of(), List.of("z"), Map.of()), nodes))
                .hasMessageContaining("not in --zones z");
        assertThatThrownBy(() -> Placement.choose(request(500, 1), List.of(node("a1", "a", "r1", 100))))
                .isInstanceOf(WharfException.class).hasMessageContaining("1 without room for 500 GiB")
                .extracting(e -> ((WharfException) e).code()).isEqualTo(ErrorCode.CAPACITY_EXCEEDED);
        assertThatThrownBy(() -> Placement.choose(request(1, 1), List.of())).hasMessageContaining("the cluster has no nodes");
        assertThatThrownBy(() -> Placement.choose(request(1, 2), List.of(node("solo", "zone-a", "rack-1", 100))))
                .hasMessageContaining("needs 2 nodes and 1 can take it (the cluster has no more nodes)");
        assertThatThrownBy(() -> request(1, 4)).hasMessageContaining("1 to 3 copies");
    }
}
