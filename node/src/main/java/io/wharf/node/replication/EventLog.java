package io.wharf.node.replication;

import io.wharf.replication.sync.ReplicationEvent;
import io.wharf.replication.sync.ReplicationListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the protocol's {@link ReplicationEvent}s (state transitions, never per I/O) to the log, one
 * line each with key-value fields. Runs on the loop of the object that emits them.
 */
public final class EventLog implements ReplicationListener {
    private static final Logger log = LoggerFactory.getLogger(EventLog.class);

    @Override
    public void on(ReplicationEvent event) {
        switch (event) {
            case ReplicationEvent.Attached attached -> log.atInfo().setMessage("replicated volume attached")
                    .addKeyValue("volume", attached.volumeId()).addKeyValue("target", attached.target())
                    .addKeyValue("epoch", attached.epoch()).addKeyValue("reconciledRegions", attached.reconciledRegions()).log();
            case ReplicationEvent.AttachFailed failed -> log.atWarn().setMessage("replicated volume attach failed")
                    .addKeyValue("volume", failed.volumeId()).addKeyValue("target", failed.target())
                    .addKeyValue("epoch", failed.epoch()).addKeyValue("reason", failed.reason()).log();
            case ReplicationEvent.ReplicaStateChanged changed -> log.atInfo().setMessage("replica state changed")
                    .addKeyValue("volume", changed.volumeId()).addKeyValue("replica", changed.replica())
                    .addKeyValue("state", changed.state()).addKeyValue("epoch", changed.epoch()).addKeyValue("reason", changed.reason()).log();
            case ReplicationEvent.ResyncStarted started -> log.atInfo().setMessage("resync started")
                    .addKeyValue("volume", started.volumeId()).addKeyValue("replica", started.replica())
                    .addKeyValue("regions", started.regions()).addKeyValue("full", started.full()).log();
            case ReplicationEvent.ResyncCompleted completed -> log.atInfo().setMessage("resync completed")
                    .addKeyValue("volume", completed.volumeId()).addKeyValue("replica", completed.replica())
                    .addKeyValue("regions", completed.regions()).log();
            case ReplicationEvent.ResyncAborted aborted -> log.atInfo().setMessage("resync aborted")
                    .addKeyValue("volume", aborted.volumeId()).addKeyValue("replica", aborted.replica())
                    .addKeyValue("reason", aborted.reason()).log();
            case ReplicationEvent.Fenced fenced -> log.atWarn().setMessage("replicated volume fenced by a newer attach")
                    .addKeyValue("volume", fenced.volumeId()).addKeyValue("epoch", fenced.epoch()).addKeyValue("reason", fenced.reason()).log();
            case ReplicationEvent.Failed failed -> log.atError().setMessage("replicated volume failed")
                    .addKeyValue("volume", failed.volumeId()).addKeyValue("epoch", failed.epoch()).addKeyValue("reason", failed.reason()).log();
            case ReplicationEvent.ReplicaGrown grown -> log.atInfo().setMessage("replica grew")
                    .addKeyValue("volume", grown.volumeId()).addKeyValue("replica", grown.replica())
                    .addKeyValue("sizeBytes", grown.sizeBytes()).log();
            case ReplicationEvent.Grown grown -> log.atInfo().setMessage("replicated volume grew")
                    .addKeyValue("volume", grown.volumeId()).addKeyValue("epoch", grown.epoch())
                    .addKeyValue("sizeBytes", grown.sizeBytes()).log();
            case ReplicationEvent.EpochAccepted accepted -> log.atInfo().setMessage("replica accepted a new epoch")
                    .addKeyValue("volume", accepted.volumeId()).addKeyValue("replica", accepted.replica())
                    .addKeyValue("epoch", accepted.epoch()).log();
        }
    }
}
