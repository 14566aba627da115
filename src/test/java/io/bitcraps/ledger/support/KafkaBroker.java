package io.bitcraps.ledger.support;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node KRaft Apache Kafka broker, started and stopped through the same
 * {@code tools/kafka} the README shows (its own JVM, the broker from Maven Central's artifacts), on
 * free loopback ports, with its data in a temporary directory. {@code new KafkaBroker()} is one
 * broker for a test class; {@link #shared()} is one broker for the test run (started by the first
 * class that registers it, started again by a later one that finds it stopped, stopped when the
 * JVM exits), which saves a start and a stop per class. Register with
 * {@code @RegisterExtension static final KafkaBroker KAFKA = KafkaBroker.shared();} and use
 * {@link #bootstrap()}; {@link #stop()} and {@link #start()} restart it on the same data. Tests
 * sharing it use topics of their own.
 */
public final class KafkaBroker implements BeforeAllCallback, AfterAllCallback {
    private static final KafkaBroker SHARED = new KafkaBroker(true);

    private final boolean shared;
    private Path dir;
    private int port;
    private int controllerPort;

    public KafkaBroker() {
        this(false);
    }

    private KafkaBroker(boolean shared) {
        this.shared = shared;
    }

    /** The broker of the whole test run. */
    public static KafkaBroker shared() {
        return SHARED;
    }

    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    @Override
    public synchronized void beforeAll(ExtensionContext context) throws Exception {
        if (shared && dir != null) {
            start(); // an earlier class may have left it stopped (a restart test that failed halfway)
            return;
        }
        dir = Files.createTempDirectory("kafka-broker-");
        // both chosen while both are held, so they differ
        try (ServerSocket a = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             ServerSocket b = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = a.getLocalPort();
            controllerPort = b.getLocalPort();
        }
        start();
        if (shared) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    stop();
                    deleteTree(dir);
                } catch (Exception e) {
                    System.err.println("stopping the shared Kafka broker failed: " + e);
                }
            }, "kafka-broker-stop"));
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (shared) {
            return; // stopped when the JVM exits
        }
        stop();
        deleteTree(dir);
    }

    /** Starts the broker (again) on the same data and ports; returns once it answers. */
    public void start() throws IOException, InterruptedException {
        String out = tool("start");
        if (!out.contains("bootstrap " + bootstrap())) {
            throw new IllegalStateException("tools/kafka start printed: " + out);
        }
    }

    /** Stops the broker (SIGTERM, then SIGKILL after 30 s). */
    public void stop() throws IOException, InterruptedException {
        tool("stop");
    }

    private String tool(String command) throws IOException, InterruptedException {
        Path root = Path.of("").toAbsolutePath();
        Path log = dir.resolve("tool-" + command + "-" + System.nanoTime() + ".log");
        Process p = new ProcessBuilder(List.of(root.resolve("tools/kafka").toString(), command, "--dir",
                dir.resolve("broker").toString(), "--port", Integer.toString(port), "--controller-port",
                Integer.toString(controllerPort))).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("tools/kafka " + command + " did not finish in 180 s");
        }
        String out = Files.readString(log);
        if (p.exitValue() != 0) {
            throw new IllegalStateException("tools/kafka " + command + " exited " + p.exitValue() + ": " + out
                    + (Files.exists(dir.resolve("broker/broker.log")) ? "\nbroker.log tail: " + tail(dir.resolve("broker/broker.log")) : ""));
        }
        return out;
    }

    private static String tail(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    private static void deleteTree(Path root) throws IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
