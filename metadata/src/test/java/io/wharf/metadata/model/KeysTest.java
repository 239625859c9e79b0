package io.wharf.metadata.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wharf.core.WharfException;
import org.junit.jupiter.api.Test;

class KeysTest {
    @Test
    void layoutIsVersionedUnderWharfV1() {
        assertThat(Keys.cluster()).isEqualTo("/wharf/v1/cluster");
        assertThat(Keys.volume("db-data")).isEqualTo("/wharf/v1/volumes/db-data");
        assertThat(Keys.node("node-a")).isEqualTo("/wharf/v1/nodes/node-a");
        assertThat(Keys.volume("db")).startsWith(Keys.volumes());
        assertThat(Keys.node("n")).startsWith(Keys.nodes());
        assertThat(Keys.live("n")).isEqualTo("/wharf/v1/live/n").startsWith(Keys.live());
    }

    @Test
    void keysParseBack() {
        assertThat(Keys.volumeName(Keys.volume("db-data"))).contains("db-data");
        assertThat(Keys.nodeId(Keys.node("node-a"))).contains("node-a");
        assertThat(Keys.volumeName(Keys.node("node-a"))).isEmpty();
        assertThat(Keys.volumeName(Keys.volumes())).isEmpty();
        assertThat(Keys.volumeName(Keys.volumes() + "a/b")).isEmpty();
    }

    @Test
    void namesThatWouldBreakTheLayoutAreRefused() {
        assertThatThrownBy(() -> Keys.volume("a/b")).isInstanceOf(WharfException.class);
        assertThatThrownBy(() -> Keys.volume("")).isInstanceOf(WharfException.class);
        assertThatThrownBy(() -> Keys.node("a/b")).isInstanceOf(WharfException.class);
        assertThatThrownBy(() -> Keys.live("")).isInstanceOf(WharfException.class);
    }
}
