package io.wharf.csi;

import io.wharf.core.WharfException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code wharf csi}: the CSI plugin (Identity, Controller, Node) in the foreground until SIGTERM.
 * The socket comes from {@code --endpoint unix:///PATH/csi.sock}: under {@code wharf}, where every
 * command inherits {@code --endpoint}, this command reads it as the CSI socket (the Wharf API is
 * {@code --api}); else from {@code $CSI_ENDPOINT}, as the CSI sidecars' conventions have it.
 */
@Command(name = "csi", mixinStandardHelpOptions = true,
        description = {"Serve the Wharf CSI driver (Identity, Controller and Node services) on a unix socket.",
                "For this command --endpoint is the CSI socket, unix:///PATH/csi.sock (default: $CSI_ENDPOINT);"
                        + " the Wharf API is --api."})
public final class CsiCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--node-id", paramLabel = "ID",
            description = "The Wharf node id of this machine (default: $NODE_ID).")
    String nodeId;

    @Option(names = "--api", paramLabel = "URL",
            description = "A Wharf node's REST API (default: $WHARF_ENDPOINT, else http://127.0.0.1:9020).")
    URI api;

    @Option(names = "--state-dir", description = "Where staged and published volumes are recorded (default: ${DEFAULT-VALUE}).",
            defaultValue = "/run/wharf/csi")
    Path stateDir;

    @Option(names = "--driver-name", description = "The CSI driver name (default: ${DEFAULT-VALUE}).",
            defaultValue = CsiConfig.DEFAULT_DRIVER_NAME)
    String driverName;

    @Option(names = "--step-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "Longest wait for one mount step (default: ${DEFAULT-VALUE}).")
    long stepTimeoutSeconds;

    @Override
    public Integer call() {
        try {
            String endpointText = endpoint();
            String node = nodeId != null ? nodeId : System.getenv("NODE_ID");
            URI apiUri = api != null ? api : URI.create(System.getenv().getOrDefault("WHARF_ENDPOINT", "http://127.0.0.1:9020"));
            if (node == null || node.isBlank()) {
                System.err.println("error: --node-id is required (or set NODE_ID)");
                return 2;
            }
            CsiConfig config = new CsiConfig(CsiConfig.parseEndpoint(endpointText), node, apiUri, stateDir, driverName,
                    Duration.ofSeconds(stepTimeoutSeconds));
            CsiServer server = CsiServer.start(config);
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
                server.close();
                stopped.countDown();
            }));
            System.out.println("Wharf CSI driver " + driverName + " serving on " + config.socket() + " for node " + node);
            System.out.flush();
            stopped.await();
            return 0;
        } catch (WharfException e) {
            System.err.println("error: " + e.getMessage());
            if (!e.hint().isEmpty()) {
                System.err.println("hint: " + e.hint());
            }
            return e.code().exitCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    /** The inherited {@code --endpoint} when given (under {@code wharf}), else {@code $CSI_ENDPOINT}. */
    private String endpoint() {
        OptionSpec option = spec == null ? null : spec.findOption("--endpoint");
        String value = option == null ? null : option.getValue();
        return value != null && !value.isBlank() ? value : System.getenv("CSI_ENDPOINT");
    }
}
