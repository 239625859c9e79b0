package io.wharf.nbd.handshake;

/** How option haggling ended. */
public sealed interface Negotiation permits Session, Negotiation.Ended {

    /** The connection must be closed; {@code reason} is for the log. */
    record Ended(String reason) implements Negotiation {}
}
