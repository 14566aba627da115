package io.bitcraps.ledger.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's promises, checked against the real {@code tools/ledger} script and the shaded jar
 * (this runs in the integration-test phase, after packaging): the start commands are the ones
 * documented, {@code .ci/run} runs the README's test command, simulate prints an intact summary,
 * and export reads back every event.
 */
class ToolsLedgerE2E {
    private static final Path ROOT = Path.of("").toAbsolutePath();

    @TempDir
    Path dir;

    @Test
    void theReadmeGivesExactlyTheTwoStartCommandsAndCiRunsTheTestOne() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        Matcher start = Pattern.compile("(?s)## Start\\n[^#]*?```(?:sh|bash)?\\n(.*?)```").matcher(readme);
        assertThat(start.find()).as("README has a Start section with a code block").isTrue();
        List<String> commands = start.group(1).lines().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertThat(commands).containsExactly("tools/ledger simulate", "mvn -B verify");
        String ci = Files.readString(ROOT.resolve(".ci/run"));
        assertThat(ci).contains("mvn -B verify");
    }

    @Test
    void theReadmeQuotesTheApiExampleThatTheTestsCompileAndRun() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String example = Files.readString(ROOT.resolve("src/test/java/io/bitcraps/ledger/api/ReadmeExampleIT.java"));
        Matcher region = Pattern.compile("(?s)// README(-\\w+)?:start\n(.*?)\s*// README(-\\w+)?:end").matcher(example);
        int regions = 0;
        while (region.find()) {
            regions++;
            for (String line : region.group(2).lines().map(String::strip).filter(l -> !l.isEmpty()).toList()) {
                assertThat(readme).as("README quotes the tested example").contains(line);
            }
        }
        assertThat(regions).as("the API example and the subscription example").isEqualTo(2);
    }

    @Test
    void simulateRunsTheFloorAndReportsIntactBooksWithBatching() throws Exception {
        Path db = dir.resolve("floor.db");
        Result r = run("simulate", "--db", db.toString(), "--rounds", "15");
        assertThat(r.exit).as(r.err).isZero();
        assertThat(r.out).contains("I1 holds", "hash chain verified, balances match the live view", "rejected      0");
        long events = number(r.out, "events\\s+([\\d,]+)");
        long commits = number(r.out, "commits\\s+([\\d,]+)");
        assertThat(commits).as("group commit under 8 tables").isLessThan(events / 3);

        Result export = run("export", "--db", db.toString());
        assertThat(export.exit).as(export.err).isZero();
        assertThat(export.out.lines().count()).isEqualTo(events + 0);
        assertThat(export.out.lines().findFirst().orElseThrow()).startsWith("{\"seq\":1,\"ts\":\"");
    }

    @Test
    void usageErrorsExitWithTwo() throws Exception {
        Result r = run("simulate", "--tables", "not-a-number");
        assertThat(r.exit).isEqualTo(2);
        assertThat(r.err).contains("tables");
    }

    private static long number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as("'%s' in %s", regex, text).isTrue();
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    private record Result(int exit, String out, String err) {}

    private Result run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ROOT.resolve("tools/ledger").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        Map<String, String> env = pb.environment();
        env.put("LEDGER_NATIVE_DIR", System.getProperty("org.sqlite.tmpdir", dir.resolve("native").toString()));
        Path out = dir.resolve("out-" + System.nanoTime());
        Path err = dir.resolve("err-" + System.nanoTime());
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
