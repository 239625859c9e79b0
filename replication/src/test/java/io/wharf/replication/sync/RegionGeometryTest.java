package io.wharf.replication.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wharf.replication.wire.RegionBits;
import org.junit.jupiter.api.Test;

class RegionGeometryTest {
    @Test
    void regionsCoverTheVolumeAndTheLastOneMayBeShort() {
        RegionGeometry geometry = RegionGeometry.of(10L << 20 | 4096, 1 << 20);
        assertThat(geometry.regionCount()).isEqualTo(11);
        assertThat(geometry.regionLength(10)).isEqualTo(4096);
        assertThat(geometry.regionOf((1 << 20) - 1)).isZero();
        assertThat(geometry.lastRegion((1 << 20) - 1, 2)).isEqualTo(1);
        RegionSet both = geometry.regions((1 << 20) - 1, 2);
        assertThat(both.size()).isEqualTo(2);
    }

    @Test
    void largeVolumesGetLargerRegionsSoThatASetFitsOneFrame() {
        RegionGeometry eightTiB = RegionGeometry.of(8L << 40, 1 << 20);
        assertThat(eightTiB.regionBytes()).isEqualTo(2 << 20);
        assertThat(eightTiB.regionCount()).isLessThanOrEqualTo(RegionBits.MAX_REGIONS);
        assertThat(RegionGeometry.MAX_REGIONS).isEqualTo(RegionBits.MAX_REGIONS);
        assertThatThrownBy(() -> RegionGeometry.of(1 << 20, 3000)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void regionSetsCombine() {
        RegionSet a = RegionSet.empty(10);
        a.addRange(2, 4);
        RegionSet b = RegionSet.empty(10);
        b.add(9);
        a.addAll(b);
        assertThat(a.containsRange(2, 4)).isTrue();
        assertThat(a.containsRange(2, 5)).isFalse();
        assertThat(a.next(5)).isEqualTo(9);
        a.removeAll(b);
        assertThat(a.size()).isEqualTo(3);
        assertThat(RegionSet.all(10).containsAll(a)).isTrue();
    }
}
