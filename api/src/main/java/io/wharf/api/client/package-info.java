/**
 * {@link io.wharf.api.client.ApiClient}: the {@link io.wharf.api.WharfApi} contract over HTTP,
 * for the CLI, the CSI driver and the operator. Error bodies come back as the same
 * {@link io.wharf.core.WharfException} the node threw: same code, message and hint.
 */
package io.wharf.api.client;
