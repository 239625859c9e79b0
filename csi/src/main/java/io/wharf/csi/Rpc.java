package io.wharf.csi;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.wharf.core.WharfException;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one unary RPC: its answer or its status. Refusals from the API and the mounter become
 * their CSI code through {@link CsiErrors}; anything else is a bug, reported as INTERNAL with an
 * error-report id that the log line carries too.
 */
public final class Rpc {
    private static final Logger log = LoggerFactory.getLogger(Rpc.class);

    private Rpc() {}

    public static <T> void reply(StreamObserver<T> response, Supplier<T> call) {
        T answer;
        try {
            answer = call.get();
        } catch (StatusRuntimeException e) {
            response.onError(e);
            return;
        } catch (WharfException e) {
            response.onError(CsiErrors.of(e));
            return;
        } catch (RuntimeException e) {
            String report = UUID.randomUUID().toString();
            log.atError().setCause(e).addKeyValue("report", report).log("CSI call failed unexpectedly");
            response.onError(CsiErrors.status(io.grpc.Status.Code.INTERNAL,
                    "internal error (report " + report + "): " + e));
            return;
        }
        response.onNext(answer);
        response.onCompleted();
    }
}
