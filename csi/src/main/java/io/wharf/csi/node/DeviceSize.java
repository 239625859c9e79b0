package io.wharf.csi.node;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A block device's size, from sysfs ({@code /sys/block/NAME/size}, in 512-byte sectors). */
final class DeviceSize {
    private DeviceSize() {}

    static long bytes(String device) {
        Path size = Path.of("/sys/block", Path.of(device).getFileName().toString(), "size");
        try {
            return Long.parseLong(Files.readString(size).strip()) * 512;
        } catch (IOException | NumberFormatException e) {
            throw new WharfException(ErrorCode.MOUNT_FAILED, "cannot read the size of " + device + " from " + size,
                    "check that the device is still attached (losetup -a)", e);
        }
    }
}
