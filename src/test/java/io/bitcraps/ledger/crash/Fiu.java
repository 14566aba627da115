package io.bitcraps.ledger.crash;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Debian's fiu-utils (libfiu): {@code fiu-run -x} starts a process with libfiu's POSIX preload, whose
 * failure points ({@code posix/io/sync/fsync}, {@code posix/io/rw/pwrite}, …) {@code fiu-ctrl}
 * switches on and off while it runs, through a pair of FIFOs named after the process id.
 */
final class Fiu {
    private Fiu() {}

    /** Why fiu cannot be used here, or null when fiu-run, fiu-ctrl and the POSIX preload library are all present. */
    static String unavailableBecause() {
        for (String tool : List.of("fiu-run", "fiu-ctrl")) {
            if (which(tool) == null) {
                return tool + " is not installed (Debian package fiu-utils; .ci/run installs it as root)";
            }
        }
        // fiu-run looks for its preload libraries in /usr/lib/fiu unless told otherwise
        if (!Files.exists(Path.of("/usr/lib/fiu/fiu_posix_preload.so"))) {
            return "libfiu's POSIX preload library /usr/lib/fiu/fiu_posix_preload.so is missing";
        }
        return null;
    }

    private static Path which(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(d.isEmpty() ? "." : d, tool);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Makes {@code pb} run its command under {@code fiu-run -x}, with the control FIFOs at
     * {@code fifoPrefix-<pid>.in/.out} (a SIGKILLed process leaves them behind: keep them in a test directory).
     * fiu-run execs the command, so the child's pid is the process's own.
     */
    static ProcessBuilder underFiu(ProcessBuilder pb, Path fifoPrefix) {
        pb.command().addAll(0, List.of("fiu-run", "-x", "-f", fifoPrefix.toString()));
        return pb;
    }

    /** Runs one fiu-ctrl command against {@code child}; bounded, because fiu-ctrl blocks on the FIFO of a dead process. */
    static void ctrl(Process child, Path fifoPrefix, String command) throws Exception {
        Path in = Path.of(fifoPrefix + "-" + child.pid() + ".in");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(in)) { // created by libfiu's preload as the child starts
            if (!child.isAlive()) {
                throw new AssertionError("the child exited " + child.exitValue() + " before fiu-ctrl '" + command + "'");
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the child has no libfiu control FIFO " + in + " after 30 s");
            }
            Thread.sleep(20);
        }
        if (!child.isAlive()) {
            throw new AssertionError("the child exited " + child.exitValue() + " before fiu-ctrl '" + command + "'");
        }
        Process ctl = new ProcessBuilder("fiu-ctrl", "-f", fifoPrefix.toString(), "-c", command, Long.toString(child.pid()))
                .redirectErrorStream(true).start();
        String out = new String(ctl.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!ctl.waitFor(30, TimeUnit.SECONDS)) {
            ctl.destroyForcibly();
            throw new AssertionError("fiu-ctrl '" + command + "' did not return within 30 s");
        }
        // fiu-ctrl exits 0 even when libfiu refused the command; it says so on its output
        if (ctl.exitValue() != 0 || out.toLowerCase(Locale.ROOT).contains("error")) {
            throw new AssertionError("fiu-ctrl '" + command + "' failed (exit " + ctl.exitValue() + "): " + out);
        }
    }
}
