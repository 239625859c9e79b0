package io.wharf.cli;

import io.wharf.core.ErrorCode;
import io.wharf.core.WharfException;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * Prints a failed command for people, never a stack trace:
 * <pre>
 * error: volume 'db' does not exist
 * hint: list volumes with `wharf volume list`
 * (code: VOLUME_NOT_FOUND)
 * </pre>
 * and exits with the code's {@link ErrorCode#exitCode()}.
 */
final class ErrorPrinter implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception failure, CommandLine command, CommandLine.ParseResult parsed) {
        PrintWriter err = command.getErr();
        if (failure instanceof WharfException wharf) {
            print(err, wharf.code(), wharf.getMessage(), wharf.hint());
            return wharf.code().exitCode();
        }
        print(err, ErrorCode.INTERNAL, "the wharf command failed unexpectedly: " + failure,
                "this is a bug in wharf; please report it with the command you ran");
        return ErrorCode.INTERNAL.exitCode();
    }

    static void print(PrintWriter err, ErrorCode code, String message, String hint) {
        err.println("error: " + message);
        if (hint != null && !hint.isBlank()) {
            err.println("hint: " + hint);
        }
        err.println("(code: " + code.name() + ")");
        err.flush();
    }
}
