/**
 * The Controller service: volumes (create, delete, clone, expand, attach to a node), snapshots
 * and capacity, mapped onto the REST API. StorageClass parameters are validated strictly
 * ({@link io.wharf.csi.controller.StorageClassParameters}) and kept on the volume as labels,
 * including a fingerprint of them, which is how a repeated CreateVolume tells "the same request"
 * (OK) from "another volume with this name" (ALREADY_EXISTS). Volumes are expanded offline: a
 * published volume's device keeps the size its NBD connection started with (see the README).
 */
package io.wharf.csi.controller;
