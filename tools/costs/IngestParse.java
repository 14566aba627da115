import com.sun.management.OperatingSystemMXBean;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * What ingest's parsing alone costs: every line of a JSON Lines command file parsed into commands,
 * in memory, over and over, with no ledger, no disk and no receipts; lines/s per round. Ingest is
 * bounded by the disk and the writer, so its end-to-end figure hides the parser; this shows it.
 * Used for docs/performance.md "Ingest parsing".
 * <p>
 * It calls the package-private {@code io.bitcraps.ledger.cli.CommandLines} by reflection, so the same
 * script measures any build: {@code parse(String)}, which the tree-based parser and the streaming one
 * both have, and, where it exists, {@code read(char[], int, int)} on one reused instance, which is what
 * ingest calls now (the line in place in its read buffer).
 *
 *   java -cp target/bitcraps-ledger-0.1.0-SNAPSHOT-cli.jar tools/costs/IngestParse.java COMMANDS.jsonl [ROUNDS]
 */
public class IngestParse {
    private static final int WARMUP_ROUNDS = 3;

    public static void main(String[] args) throws Throwable {
        List<String> lines = Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        Class<?> commandLines = Class.forName("io.bitcraps.ledger.cli.CommandLines");
        Method parse = commandLines.getDeclaredMethod("parse", String.class);
        parse.setAccessible(true);
        MethodHandle parseString = MethodHandles.lookup().unreflect(parse);
        System.out.printf("%,d lines, %,d chars%n", lines.size(), lines.stream().mapToLong(String::length).sum());
        measure("parse(String)", lines, rounds, line -> parseString.invoke(line));

        Method read = Arrays.stream(commandLines.getDeclaredMethods())
                .filter(m -> m.getName().equals("read") && m.getParameterCount() == 3).findFirst().orElse(null);
        if (read != null) {
            Constructor<?> constructor = commandLines.getDeclaredConstructor();
            constructor.setAccessible(true);
            Object reader = constructor.newInstance();
            read.setAccessible(true);
            MethodHandle readChars = MethodHandles.lookup().unreflect(read).bindTo(reader);
            char[][] chars = lines.stream().map(String::toCharArray).toArray(char[][]::new);
            int[] next = {0};
            measure("read(char[], int, int), one reader", lines, rounds, line -> {
                char[] c = chars[next[0]++ % chars.length];
                return readChars.invoke(c, 0, c.length);
            });
        }
    }

    private interface Parse {
        Object apply(String line) throws Throwable;
    }

    /**
     * Two figures a round: lines per second of wall time, and lines per second of the process's CPU
     * time (all threads, the garbage collector's included), which is steadier on a shared machine.
     */
    private static void measure(String what, List<String> lines, int rounds, Parse parse) throws Throwable {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        double[] wallRates = new double[rounds];
        double[] cpuRates = new double[rounds];
        long sink = 0;
        for (int round = -WARMUP_ROUNDS; round < rounds; round++) {
            long start = System.nanoTime();
            long cpuStart = os.getProcessCpuTime();
            for (String line : lines) {
                sink += parse.apply(line) == null ? 0 : 1;
            }
            long nanos = System.nanoTime() - start;
            long cpuNanos = os.getProcessCpuTime() - cpuStart;
            if (round >= 0) {
                wallRates[round] = lines.size() / (nanos / 1e9);
                cpuRates[round] = lines.size() / (cpuNanos / 1e9);
            }
        }
        Arrays.sort(wallRates);
        Arrays.sort(cpuRates);
        System.out.printf("%-36s median %,.0f lines/s wall (min %,.0f, max %,.0f), %,.0f lines per CPU-second"
                        + " (min %,.0f, max %,.0f); %d rounds after %d warm-up; sink %d%n",
                what, wallRates[rounds / 2], wallRates[0], wallRates[rounds - 1], cpuRates[rounds / 2], cpuRates[0],
                cpuRates[rounds - 1], rounds, WARMUP_ROUNDS, sink);
    }
}
