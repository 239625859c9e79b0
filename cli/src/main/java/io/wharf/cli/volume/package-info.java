/**
 * {@code wharf volume ...}: create, list, inspect, resize, clone, revert, delete through the API, and mount or
 * unmount on this machine through {@link io.wharf.cli.mount.LocalMounter}. Names, sizes and labels
 * are checked here before anything is sent, with the same rules the node applies.
 */
package io.wharf.cli.volume;
