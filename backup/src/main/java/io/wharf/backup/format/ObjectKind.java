package io.wharf.backup.format;

/** What an envelope holds; recorded in its header so that one object cannot pass for another kind. */
public enum ObjectKind {
    CHUNK(1), MANIFEST(2), SUMMARY(3), MARKER(4), JOURNAL(5), GC_RUN(6);

    private final int tag;

    ObjectKind(int tag) {
        this.tag = tag;
    }

    public int tag() {
        return tag;
    }
}
