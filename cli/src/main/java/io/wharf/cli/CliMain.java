package io.wharf.cli;

import io.wharf.cli.backup.BackupCommand;
import io.wharf.cli.backup.BackupCreateCommand;
import io.wharf.cli.backup.BackupDeleteCommand;
import io.wharf.cli.backup.BackupInspectCommand;
import io.wharf.cli.backup.BackupListCommand;
import io.wharf.cli.backup.BackupRestoreCommand;
import io.wharf.cli.backup.BackupScheduleCommand;
import io.wharf.cli.backup.BackupScheduleDeleteCommand;
import io.wharf.cli.backup.BackupScheduleListCommand;
import io.wharf.cli.backup.BackupScheduleSetCommand;
import io.wharf.cli.backup.BackupTargetAddCommand;
import io.wharf.cli.backup.BackupTargetCommand;
import io.wharf.cli.backup.BackupTargetDeleteCommand;
import io.wharf.cli.backup.BackupTargetInspectCommand;
import io.wharf.cli.backup.BackupTargetListCommand;
import io.wharf.cli.cluster.ClusterCommand;
import io.wharf.cli.cluster.ClusterStatusCommand;
import io.wharf.cli.cluster.PoolCommand;
import io.wharf.cli.cluster.PoolListCommand;
import io.wharf.cli.node.NodeCommand;
import io.wharf.cli.node.NodeDecommissionCommand;
import io.wharf.cli.node.NodeInspectCommand;
import io.wharf.cli.node.NodeListCommand;
import io.wharf.cli.node.NodeMaintenanceCommand;
import io.wharf.cli.policy.PolicyCommand;
import io.wharf.cli.policy.PolicyCreateCommand;
import io.wharf.cli.policy.PolicyDeleteCommand;
import io.wharf.cli.policy.PolicyInspectCommand;
import io.wharf.cli.policy.PolicyListCommand;
import io.wharf.cli.snapshot.SnapshotCommand;
import io.wharf.cli.snapshot.SnapshotCreateCommand;
import io.wharf.cli.snapshot.SnapshotDeleteCommand;
import io.wharf.cli.snapshot.SnapshotInspectCommand;
import io.wharf.cli.snapshot.SnapshotListCommand;
import io.wharf.cli.volume.VolumeAttachCommand;
import io.wharf.cli.volume.VolumeChecksumCommand;
import io.wharf.cli.volume.VolumeCloneCommand;
import io.wharf.cli.volume.VolumeDetachCommand;
import io.wharf.cli.volume.VolumeCommand;
import io.wharf.cli.volume.VolumeCreateCommand;
import io.wharf.cli.volume.VolumeDeleteCommand;
import io.wharf.cli.volume.VolumeInspectCommand;
import io.wharf.cli.volume.VolumeListCommand;
import io.wharf.cli.volume.VolumeMountCommand;
import io.wharf.cli.volume.VolumeResizeCommand;
import io.wharf.cli.volume.VolumeRevertCommand;
import io.wharf.cli.volume.VolumeUnmountCommand;
import io.wharf.cli.volume.VolumeUpdateCommand;
import picocli.CommandLine;

/**
 * The {@code wharf} command. {@link #commandLine()} builds the command tree so a launcher can add
 * subcommands that live in other modules ({@code up}, {@code node start}) before executing it.
 */
public final class CliMain {
    private CliMain() {}

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command tree for this process's environment. */
    public static CommandLine commandLine() {
        return commandLine(CliEnvironment.system());
    }

    public static CommandLine commandLine(CliEnvironment environment) {
        CommandLine volume = new CommandLine(new VolumeCommand())
                .addSubcommand(new VolumeCreateCommand())
                .addSubcommand(new VolumeListCommand())
                .addSubcommand(new VolumeInspectCommand())
                .addSubcommand(new VolumeResizeCommand())
                .addSubcommand(new VolumeUpdateCommand())
                .addSubcommand(new VolumeCloneCommand())
                .addSubcommand(new VolumeRevertCommand())
                .addSubcommand(new VolumeDeleteCommand())
                .addSubcommand(new VolumeAttachCommand())
                .addSubcommand(new VolumeChecksumCommand())
                .addSubcommand(new VolumeDetachCommand())
                .addSubcommand(new VolumeMountCommand())
                .addSubcommand(new VolumeUnmountCommand());
        CommandLine snapshot = new CommandLine(new SnapshotCommand())
                .addSubcommand(new SnapshotCreateCommand())
                .addSubcommand(new SnapshotListCommand())
                .addSubcommand(new SnapshotInspectCommand())
                .addSubcommand(new SnapshotDeleteCommand());
        CommandLine policy = new CommandLine(new PolicyCommand())
                .addSubcommand(new PolicyCreateCommand())
                .addSubcommand(new PolicyListCommand())
                .addSubcommand(new PolicyInspectCommand())
                .addSubcommand(new PolicyDeleteCommand());
        CommandLine backupTarget = new CommandLine(new BackupTargetCommand())
                .addSubcommand(new BackupTargetAddCommand())
                .addSubcommand(new BackupTargetListCommand())
                .addSubcommand(new BackupTargetInspectCommand())
                .addSubcommand(new BackupTargetDeleteCommand());
        CommandLine backupSchedule = new CommandLine(new BackupScheduleCommand())
                .addSubcommand(new BackupScheduleSetCommand())
                .addSubcommand(new BackupScheduleListCommand())
                .addSubcommand(new BackupScheduleDeleteCommand());
        CommandLine backup = new CommandLine(new BackupCommand())
                .addSubcommand(backupTarget)
                .addSubcommand(backupSchedule)
                .addSubcommand(new BackupCreateCommand())
                .addSubcommand(new BackupListCommand())
                .addSubcommand(new BackupInspectCommand())
                .addSubcommand(new BackupRestoreCommand())
                .addSubcommand(new BackupDeleteCommand());
        CommandLine pool = new CommandLine(new PoolCommand()).addSubcommand(new PoolListCommand());
        CommandLine cluster = new CommandLine(new ClusterCommand()).addSubcommand(new ClusterStatusCommand());
        CommandLine node = new CommandLine(new NodeCommand())
                .addSubcommand(new NodeListCommand())
                .addSubcommand(new NodeInspectCommand())
                .addSubcommand(new NodeMaintenanceCommand())
                .addSubcommand(new NodeDecommissionCommand());
        CommandLine wharf = new CommandLine(new WharfCommand(environment))
                .addSubcommand(volume)
                .addSubcommand(snapshot)
                .addSubcommand(policy)
                .addSubcommand(backup)
                .addSubcommand(pool)
                .addSubcommand(node)
                .addSubcommand(cluster);
        wharf.setExecutionExceptionHandler(new ErrorPrinter());
        return wharf;
    }
}
