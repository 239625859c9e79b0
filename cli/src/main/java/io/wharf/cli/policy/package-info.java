/**
 * {@code wharf policy ...}: create, list, inspect and delete named snapshot schedule policies
 * through the API; a volume follows one with {@code wharf volume update NAME --schedule-policy POLICY}.
 */
package io.wharf.cli.policy;
