package io.wharf.node.replication;

import io.wharf.replication.sync.Completion;
import io.wharf.replication.sync.Outcome;
import io.wharf.replication.sync.Scheduler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** Drives loop-confined objects from a test thread, and polls conditions with deadlines (tests never sleep). */
final class OnLoop {
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(20);

    private OnLoop() {}

    /** Starts {@code call} on the loop and waits for its outcome. */
    static <T> Outcome<T> await(Scheduler loop, Consumer<Completion<T>> call) throws Exception {
        CompletableFuture<Outcome<T>> answer = new CompletableFuture<>();
        loop.execute(() -> call.accept(answer::complete));
        try {
            return answer.get(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no answer within " + ANSWER_TIMEOUT, e);
        }
    }

    /** Starts {@code call} on the loop without waiting; the future completes with its outcome. */
    static <T> CompletableFuture<Outcome<T>> start(Scheduler loop, Consumer<Completion<T>> call) {
        CompletableFuture<Outcome<T>> answer = new CompletableFuture<>();
        loop.execute(() -> call.accept(answer::complete));
        return answer;
    }

    /** Evaluates {@code value} on the loop. */
    static <T> T get(Scheduler loop, Supplier<T> value) throws Exception {
        CompletableFuture<T> answer = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                answer.complete(value.get());
            } catch (RuntimeException | Error e) {
                answer.completeExceptionally(e);
            }
        });
        return answer.get(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    static <T> T ok(Outcome<T> outcome) {
        if (outcome instanceof Outcome.Ok<T>(T value)) {
            return value;
        }
        throw new AssertionError("expected success, got " + outcome);
    }

    static void until(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            LockSupport.parkNanos(2_000_000);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }
}
