package io.bitcraps.ledger.support;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Starts {@code tools/ledger} commands in a real child JVM, with this JVM's class path and the
 * JVM flags the build passes to tests, so crash tests can kill a real process.
 */
public final class ChildJvm {
    private ChildJvm() {}

    public static ProcessBuilder ledger(Path workDir, String... args) {
        return java(workDir, "io.bitcraps.ledger.cli.LedgerCli", args);
    }

    /** Any main class of this JVM's class path (test classes included) in a child JVM. */
    public static ProcessBuilder java(Path workDir, String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String flags = System.getProperty("ledger.test.jvmFlags", "");
        for (String f : flags.trim().split("\\s+")) {
            if (!f.isBlank()) {
                cmd.add(f);
            }
        }
        String nativeDir = System.getProperty("org.sqlite.tmpdir");
        if (nativeDir != null) {
            cmd.add("-Dorg.sqlite.tmpdir=" + nativeDir);
        }
        cmd.add("-Xmx256m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(Arrays.asList(args));
        return new ProcessBuilder(cmd).directory(workDir.toFile());
    }

    /** Runs to completion and returns exit code, stdout and stderr. */
    public static Result run(Path workDir, String... args) throws IOException, InterruptedException {
        ProcessBuilder pb = ledger(workDir, args);
        Path out = workDir.resolve("child-" + System.nanoTime() + ".out");
        Path err = workDir.resolve("child-" + System.nanoTime() + ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM did not finish within 120 s: " + pb.command());
        }
        return new Result(p.exitValue(), java.nio.file.Files.readString(out), java.nio.file.Files.readString(err));
    }

    public record Result(int exitCode, String stdout, String stderr) {}
}
