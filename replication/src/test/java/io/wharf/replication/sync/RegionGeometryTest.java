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
    void aGrownGeometryIsTheOneOfTheLargerSizeAndSetsCarryOver() {
        RegionGeometry small = RegionGeometry.of(10L << 20, 1 << 20);
        RegionGeometry grown = small.grown(30L << 20 | 512);
        assertThat(grown).isEqualTo(RegionGeometry.of(30L << 20 | 512, 1 << 20));
        RegionSet set = small.emptySet();
        set.add(0);
        set.add(9);
        RegionSet carried = small.carry(set, grown);
        assertThat(carried.regionCount()).isEqualTo(31);
        assertThat(carried.size()).isEqualTo(2);
        assertThat(carried.contains(0) && carried.contains(9)).isTrue();

        RegionGeometry eightTiB = RegionGeometry.of(8L << 40, 1 << 20);
        RegionGeometry sixteenTiB = eightTiB.grown(16L << 40);
        assertThat(sixteenTiB).isEqualTo(RegionGeometry.of(16L << 40, 1 << 20));
        assertThat(sixteenTiB.regionBytes()).isEqualTo(4 << 20);
        RegionSet far = eightTiB.emptySet();
        far.add(1);
        far.add(eightTiB.regionCount() - 1);
        RegionSet coarse = eightTiB.carry(far, sixteenTiB);
        assertThat(coarse.contains(0)).as("region 1 of 2 MiB lies in region 0 of 4 MiB").isTrue();
        assertThat(coarse.contains(sixteenTiB.regionOf(8L << 40) - 1)).isTrue();
        assertThat(coarse.size()).isEqualTo(2);
        assertThatThrownBy(() -> grown.grown(1 << 20)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> grown.carry(carried, small)).isInstanceOf(IllegalArgumentException.class);
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
