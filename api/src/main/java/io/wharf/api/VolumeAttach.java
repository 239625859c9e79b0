package io.wharf.api;

/**
 * The body of {@code POST /v1/volumes/{name}/attach}.
 *
 * @param node  the target node, or null for the node that answers
 * @param force take a replicated volume over from a target that is offline (its epoch is raised, so it
 *              can never write again)
 */
public record VolumeAttach(String node, Boolean force) {
    public VolumeAttach {
        force = force != null && force;
    }

    public VolumeAttach(String node) {
        this(node, false);
    }
}
