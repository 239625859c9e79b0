/**
 * {@code wharf snapshot ...}: create, list, inspect and delete snapshots through the API, and
 * {@link io.wharf.cli.snapshot.SnapshotReference}, the one parser of {@code VOLUME@SNAPSHOT} that
 * every command taking a snapshot uses, so they all refuse a malformed one the same way.
 */
package io.wharf.cli.snapshot;
