package io.wharf.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ByteSizeTest {
    @Test
    void parsesBinaryAndDecimalUnits() {
        assertThat(ByteSize.parse("10GiB")).isEqualTo(10 * ByteSize.GIB);
        assertThat(ByteSize.parse("512MiB")).isEqualTo(512 * ByteSize.MIB);
        assertThat(ByteSize.parse("4096")).isEqualTo(4096);
        assertThat(ByteSize.parse("1.5TiB")).isEqualTo(3 * ByteSize.TIB / 2);
        assertThat(ByteSize.parse("2G")).isEqualTo(2 * ByteSize.GIB);
        assertThat(ByteSize.parse("1GB")).isEqualTo(1_000_000_000L);
    }

    @Test
    void refusesNonsenseWithStableCode() {
        for (String bad : new String[] {"", "ten", "-1GiB", "1.2345B", "5XB", "99999999999PiB"}) {
            assertThatThrownBy(() -> ByteSize.parse(bad))
                    .isInstanceOf(WharfException.class)
                    .extracting(e -> ((WharfException) e).code())
                    .isEqualTo(ErrorCode.INVALID_SIZE);
        }
    }

    @Test
    void formatsForHumans() {
        assertThat(ByteSize.format(0)).isEqualTo("0 B");
        assertThat(ByteSize.format(10 * ByteSize.GIB)).isEqualTo("10 GiB");
        assertThat(ByteSize.format(3 * ByteSize.MIB / 2)).isEqualTo("1.5 MiB");
    }

    @Test
    void namesFollowDnsLabelRules() {
        assertThat(Names.requireValid("volume", "db-data-1")).isEqualTo("db-data-1");
        for (String bad : new String[] {"", "Upper", "-lead", "trail-", "a@b", "a".repeat(64), "sp ace"}) {
            assertThatThrownBy(() -> Names.requireValid("volume", bad))
                    .isInstanceOf(WharfException.class)
                    .extracting(e -> ((WharfException) e).code())
                    .isEqualTo(ErrorCode.INVALID_NAME);
        }
    }
}
