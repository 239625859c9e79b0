/**
 * The node as a cluster member: its identity (which data directory is which node), its record
 * and liveness key in the cluster store, and the view of every node that other parts of the node
 * (the API, placement) read.
 *
 * <p>Invariants: a node is online exactly while its liveness key, attached to its lease, exists;
 * a node id belongs to one data directory (its instance id) for as long as the node is a member.
 */
package io.wharf.node.cluster;
