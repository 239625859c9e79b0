package io.wharf.cli.volume;

import io.wharf.api.VolumeChecksum;
import io.wharf.cli.ApiCommand;
import io.wharf.cli.OutputOption;
import io.wharf.cli.Table;
import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "checksum", description = {
        "Print a digest (SHA-256) of each copy of a volume, read on the node holding it.",
        "Exits non-zero when the replicas in sync differ. Stop writes first: copies differ while writes are in flight."})
public final class VolumeChecksumCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    private String name;

    @Mixin
    private OutputOption output;

    @Override
    protected void execute() {
        VolumeChecksum checksum = api().checksumVolume(VolumeArguments.name(name), null);
        if (output.json()) {
            printJson(checksum);
        } else {
            Table table = new Table("NODE", "STATE", "SHA-256");
            for (VolumeChecksum.Replica replica : checksum.replicas()) {
                table.row(replica.node(), replica.state(), replica.digest() != null ? replica.digest() : "(" + replica.error() + ")");
            }
            table.print(out());
        }
        if (!checksum.match()) {
            throw new WharfException(ErrorCode.IO_ERROR, "the replicas in sync of volume '" + checksum.volume() + "' differ",
                    "if writes were running, stop them and check again; otherwise report this with `wharf volume inspect "
                            + checksum.volume() + "`");
        }
    }
}
