/** {@code wharf pool ...} and {@code wharf cluster ...}: read-only views of the cluster through the API. */
package io.wharf.cli.cluster;
