package io.wharf.metadata.etcd;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Settings of an {@link EtcdStore}.
 *
 * <pre>{@code
 * EtcdStoreConfig config = EtcdStoreConfig.parse("etcd://10.0.0.1:2379,10.0.0.2:2379,10.0.0.3:2379");
 * }</pre>
 *
 * @param endpoints      the etcd members' client addresses; requests are spread over them
 * @param requestTimeout the bound on every call to etcd: a call that gets no answer in this time
 *                       fails with {@code UNAVAILABLE}
 * @param connectTimeout how long one TCP connection attempt to a member may take
 */
public record EtcdStoreConfig(List<Endpoint> endpoints, Duration requestTimeout, Duration connectTimeout) {
    public static final String SCHEME = "etcd://";
    public static final int DEFAULT_PORT = 2379;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** More members than any etcd cluster should have (etcd recommends 3 or 5); a bound, not a knob. */
    public static final int MAX_ENDPOINTS = 16;
    private static final Duration MIN_TIMEOUT = Duration.ofMillis(10);
    private static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);

    /** One member's client address. IPv6 literals are written without brackets here. */
    public record Endpoint(String host, int port) {
        public Endpoint {
            Objects.requireNonNull(host, "host");
            if (host.isBlank() || host.chars().anyMatch(c -> c == '/' || c == ',' || c == '[' || c == ']'
                    || Character.isWhitespace(c))) {
                throw new IllegalArgumentException("invalid etcd host '" + host + "'");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("etcd port must be 1..65535, was " + port);
            }
        }

        /** The address as {@code host:port}, with brackets around an IPv6 literal. */
        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }

        /** The address as jetcd takes it. */
        String httpUri() {
            return "http://" + this;
        }
    }

    public EtcdStoreConfig {
        Objects.requireNonNull(endpoints, "endpoints");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty() || endpoints.size() > MAX_ENDPOINTS) {
            throw new IllegalArgumentException("etcd needs 1.." + MAX_ENDPOINTS + " endpoints, got " + endpoints.size());
        }
        if (new HashSet<>(endpoints).size() != endpoints.size()) {
            throw new IllegalArgumentException("etcd endpoints repeat: " + endpoints);
        }
        requireTimeout("requestTimeout", requestTimeout);
        requireTimeout("connectTimeout", connectTimeout);
    }

    /** The endpoints of {@code url} with default timeouts. */
    public static EtcdStoreConfig parse(String url) {
        return new EtcdStoreConfig(parseEndpoints(url), DEFAULT_REQUEST_TIMEOUT, DEFAULT_CONNECT_TIMEOUT);
    }

    /**
     * Parses {@code etcd://host[:port][,host[:port]...]}; the port defaults to {@value #DEFAULT_PORT};
     * an IPv6 literal is written in brackets ({@code etcd://[::1]:2379}).
     *
     * @throws IllegalArgumentException with what is wrong, if {@code url} is not of that form
     */
    public static List<Endpoint> parseEndpoints(String url) {
        Objects.requireNonNull(url, "url");
        if (!url.startsWith(SCHEME)) {
            throw new IllegalArgumentException("etcd address '" + url + "' must start with " + SCHEME
                    + " (for example etcd://127.0.0.1:2379)");
        }
        String list = url.substring(SCHEME.length());
        if (list.endsWith("/")) {
            list = list.substring(0, list.length() - 1);
        }
        List<Endpoint> endpoints = new ArrayList<>();
        for (String part : list.split(",", -1)) {
            endpoints.add(parseEndpoint(url, part.strip()));
        }
        return endpoints;
    }

    private static Endpoint parseEndpoint(String url, String address) {
        String host;
        String port;
        if (address.startsWith("[")) {
            int close = address.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("etcd address '" + url + "' has an unclosed '[' in '" + address + "'");
            }
            host = address.substring(1, close);
            String rest = address.substring(close + 1);
            if (!rest.isEmpty() && !rest.startsWith(":")) {
                throw new IllegalArgumentException("etcd address '" + url + "': expected ':port' after ']' in '" + address + "'");
            }
            port = rest.isEmpty() ? null : rest.substring(1);
        } else {
            int colon = address.indexOf(':');
            if (colon != address.lastIndexOf(':')) {
                throw new IllegalArgumentException("etcd address '" + url + "': write an IPv6 address in brackets, as [" + address + "]:2379");
            }
            host = colon < 0 ? address : address.substring(0, colon);
            port = colon < 0 ? null : address.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("etcd address '" + url + "' has an empty host");
        }
        try {
            return new Endpoint(host, port == null ? DEFAULT_PORT : Integer.parseInt(port));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("etcd address '" + url + "' has an invalid port '" + port + "'", e);
        }
    }

    public EtcdStoreConfig withRequestTimeout(Duration timeout) {
        return new EtcdStoreConfig(endpoints, timeout, connectTimeout);
    }

    public EtcdStoreConfig withConnectTimeout(Duration timeout) {
        return new EtcdStoreConfig(endpoints, requestTimeout, timeout);
    }

    /** The endpoints as an {@code etcd://} address, the form {@link #parse} reads. */
    public String url() {
        return endpoints.stream().map(Endpoint::toString).collect(Collectors.joining(",", SCHEME, ""));
    }

    private static void requireTimeout(String name, Duration timeout) {
        if (timeout.compareTo(MIN_TIMEOUT) < 0 || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException(name + " must be " + MIN_TIMEOUT.toMillis() + "ms.." + MAX_TIMEOUT.toMinutes()
                    + "min, was " + timeout);
        }
    }
}
