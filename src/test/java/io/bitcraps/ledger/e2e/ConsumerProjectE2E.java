package io.bitcraps.ledger.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * What a project that depends on the library gets (issue #15; this runs after packaging): the plain
 * library jar is installed into a throw-away local repository, a tiny consumer project is written
 * whose {@code main} is the README's "API in ten lines" block, read from README.md now, and Maven
 * (offline) compiles it and resolves its class path. Run with the README's JVM flags, it prints
 * alice's 1100 chips; its class path holds the plain library jar and its dependencies, no logging
 * binding (so SLF4J reports that it found no provider) and no shaded classes.
 *
 * <p>The user's local repository is never written: the throw-away repository is a "symlink farm"
 * over it (every top-level entry, and every entry of {@code io/} but {@code bitcraps}, is a
 * symbolic link into the real repository), so the dependencies and Maven's plugins are read from
 * where they are while {@code io/bitcraps/} is a real directory of its own, the only place the
 * install writes. Maven 3.8 has no chained local repository; copying the real one would cost
 * hundreds of megabytes. The links are removed (never followed) before the temporary directory is
 * deleted, and the test checks that the real repository's {@code io/bitcraps} is as it was.
 */
class ConsumerProjectE2E {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    /** Not pinned by our POM; this version is in the local repository the build runs offline against. */
    private static final String DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.9.0";
    private static final long MAVEN_TIMEOUT_MINUTES = 5;

    @TempDir
    Path dir;

    private Path repo;

    @AfterEach
    void removeTheLinksIntoTheRealRepository() throws IOException {
        if (repo == null) {
            return;
        }
        // deleting a link never touches what it points to; JUnit then deletes what is left (our own files)
        for (Path level : List.of(repo, repo.resolve("io"))) {
            if (Files.isDirectory(level, LinkOption.NOFOLLOW_LINKS)) {
                try (Stream<Path> entries = Files.list(level)) {
                    for (Path e : entries.toList()) {
                        if (Files.isSymbolicLink(e)) {
                            Files.delete(e);
                        }
                    }
                }
            }
        }
    }

    @Test
    void aConsumerProjectCompilesAndRunsTheReadmeExampleAgainstThePlainLibrary() throws Exception {
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        String readme = Files.readString(ROOT.resolve("README.md"));
        String version = Optional.ofNullable(System.getProperty("ledger.test.version")).filter(v -> !v.isBlank())
                .orElseGet(() -> group(pom, "<artifactId>bitcraps-ledger</artifactId>\\s*<version>([^<]+)</version>"));
        Path library = ROOT.resolve("target/bitcraps-ledger.jar");
        assertThat(library).as("the library jar (this test runs after package)").isRegularFile();
        Path realRepo = realLocalRepository();
        assertThat(realRepo).as("the local repository Maven built this project with").isDirectory();
        Snapshot before = Snapshot.of(realRepo.resolve("io/bitcraps"));

        // 1. install the plain library jar with our POM into a throw-away local repository over the real one
        repo = symlinkFarm(realRepo, dir.resolve("repo"));
        Path work = Files.createDirectories(dir.resolve("install"));
        mvn(work, "install the library",
                "org.apache.maven.plugins:maven-install-plugin:" + pluginVersion(pom, "maven-install-plugin")
                        + ":install-file",
                "-Dfile=" + library, "-DpomFile=" + ROOT.resolve("pom.xml"));
        Path installed = repo.resolve("io/bitcraps/bitcraps-ledger/" + version + "/bitcraps-ledger-" + version + ".jar");
        assertThat(installed).as("the installed library").isRegularFile();
        assertThat(Files.isSymbolicLink(repo.resolve("io")) || Files.isSymbolicLink(repo.resolve("io/bitcraps")))
                .as("io/bitcraps is the throw-away repository's own directory").isFalse();

        // 2. a consumer project whose main is the README's example
        String example = readmeExample(readme);
        Path consumer = dir.resolve("consumer");
        Path sources = Files.createDirectories(consumer.resolve("src/main/java/example/consumer"));
        Files.writeString(consumer.resolve("pom.xml"), consumerPom(version,
                pluginVersion(pom, "maven-compiler-plugin"), pluginVersion(pom, "maven-resources-plugin")));
        String main = mainClass(example);
        Files.writeString(sources.resolve("Main.java"), main);

        // 3. compile it and resolve its class path offline, then run it as an embedder would
        mvn(consumer, "compile the consumer and resolve its class path; its Main.java:\n" + main, "compile",
                DEPENDENCY_PLUGIN + ":build-classpath", "-Dmdep.outputFile=cp.txt");
        assertThat(consumer.resolve("target/classes/example/consumer/Main.class")).isRegularFile();
        List<Path> classPath = Arrays.stream(Files.readString(consumer.resolve("cp.txt")).strip()
                .split(File.pathSeparator)).filter(s -> !s.isBlank()).map(Path::of).toList();
        String cpText = classPath.stream().map(Path::toString).collect(Collectors.joining("\n  ", "\n  ", ""));

        // 4. the resolved class path: the plain library from the throw-away repository, its dependencies, no binding
        assertThat(classPath.stream().filter(p -> p.getFileName().toString().endsWith("-cli.jar")))
                .as("-cli (shaded) jars on the consumer's class path").isEmpty();
        assertThat(classPath.stream().filter(p -> p.getFileName().toString().startsWith("slf4j-simple")))
                .as("slf4j-simple on the consumer's class path").isEmpty();
        assertThat(classPath.stream().filter(p -> p.getFileName().toString().startsWith("bitcraps-ledger")))
                .as("our jars on the consumer's class path (the plain one, from the throw-away repository):%s", cpText)
                .containsExactly(installed);
        assertThat(classPath.stream().map(p -> p.getFileName().toString()))
                .as("the library's dependencies on the consumer's class path:%s", cpText)
                .anyMatch(n -> n.startsWith("slf4j-api-")).anyMatch(n -> n.startsWith("sqlite-jdbc-"));
        assertThat(Files.mismatch(installed, library)).as("the installed jar is target/bitcraps-ledger.jar").isEqualTo(-1L);
        assertThat(entries(installed)).contains("io/bitcraps/ledger/api/Ledger.class");
        assertThat(entries(installed).stream().filter(ConsumerProjectE2E::shadedIn))
                .as("other libraries' entries (e.g. org/sqlite, com/lmax, tools/jackson) in the library jar %s", installed)
                .isEmpty();
        for (Path jar : classPath) {
            List<String> names = entries(jar);
            if (!jar.equals(installed)) {
                assertThat(names.stream().filter(n -> n.startsWith("io/bitcraps/")))
                        .as("our classes in %s, another jar on the consumer's class path", jar).isEmpty();
            }
            assertThat(names.stream().filter(n -> n.equals("META-INF/services/org.slf4j.spi.SLF4JServiceProvider")
                    || n.equals("org/slf4j/impl/StaticLoggerBinder.class")))
                    .as("an SLF4J binding in %s", jar).isEmpty();
        }

        List<String> flags = readmeJvmFlags(readme);
        String passed = System.getProperty("ledger.test.jvmFlags");
        if (passed != null && !passed.isBlank()) {
            assertThat(flags).as("README's JVM flags are those the build passes to test JVMs (pom.xml chronicle.jvm.flags)")
                    .containsExactlyInAnyOrder(passed.strip().split("\\s+"));
        }
        Path nativeDir = Path.of(System.getProperty("org.sqlite.tmpdir", dir.resolve("sqlite-native").toString()));
        Files.createDirectories(nativeDir);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(flags);
        command.add("-Dorg.sqlite.tmpdir=" + nativeDir);
        command.add("-cp");
        command.add(consumer.resolve("target/classes") + File.pathSeparator
                + classPath.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)));
        command.add("example.consumer.Main");
        command.add(dir.resolve("casino.db").toString());
        Result run = run(consumer, command, 2);
        assertThat(run.exit).as("the consumer's exit status%s", run).isZero();
        assertThat(run.out.lines().map(String::strip)).as("the consumer prints alice's balance%s", run).contains("1100");
        // Ledger's static logger asks SLF4J for a provider; slf4j-api 2.0.x with none reports it on stderr
        // (only -Dslf4j.internal.verbosity=ERROR or -Dslf4j.internal.report.stream=stdout would move or silence it)
        assertThat(run.err).as("SLF4J found no logging binding%s", run).contains("No SLF4J providers were found");

        assertThat(Snapshot.of(realRepo.resolve("io/bitcraps")))
                .as("the real local repository's io/bitcraps (%s) is as it was", realRepo).isEqualTo(before);
    }

    /** The ```java block of README's "The API in ten lines" section. */
    static String readmeExample(String readme) {
        String section = section(readme, "The API in ten lines");
        Matcher block = Pattern.compile("(?s)```java\\n(.*?)```").matcher(section);
        assertThat(block.find()).as("README's \"The API in ten lines\" has a java block").isTrue();
        return block.group(1);
    }

    /** The flags in the code block of README's "JVM flags" section. */
    static List<String> readmeJvmFlags(String readme) {
        Matcher block = Pattern.compile("(?s)```[a-z]*\\n(.*?)```").matcher(section(readme, "JVM flags"));
        assertThat(block.find()).as("README's \"JVM flags\" has a code block").isTrue();
        List<String> flags = Arrays.stream(block.group(1).strip().split("\\s+")).toList();
        assertThat(flags).as("README's JVM flags").isNotEmpty().allMatch(f -> f.startsWith("-"));
        return flags;
    }

    private static String section(String readme, String title) {
        int start = readme.indexOf("\n## " + title + "\n");
        assertThat(start).as("README has a section \"## %s\"", title).isNotNegative();
        int end = readme.indexOf("\n## ", start + 1);
        return readme.substring(start, end < 0 ? readme.length() : end);
    }

    /** The README's block, verbatim, in a main method that declares what it uses and prints the balance. */
    private static String mainClass(String example) {
        String body = example.lines().map(l -> "        " + l).collect(Collectors.joining("\n"));
        return """
                package example.consumer;

                import io.bitcraps.ledger.api.*;
                import io.bitcraps.ledger.domain.*;
                import io.bitcraps.ledger.domain.Command.*;

                import java.nio.file.Path;
                import java.util.List;

                public final class Main {
                    public static void main(String[] args) throws Exception {
                        Path path = Path.of(args[0]);
                        Receipt cash;
                        long chips;
                        // README.md, "The API in ten lines":
                %s
                        System.out.println(chips);
                    }
                }
                """.formatted(body);
    }

    private static String consumerPom(String version, String compilerPlugin, String resourcesPlugin) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>example.consumer</groupId>
                  <artifactId>ledger-consumer</artifactId>
                  <version>1.0</version>
                  <packaging>jar</packaging>
                  <properties>
                    <maven.compiler.release>17</maven.compiler.release>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                  </properties>
                  <dependencies>
                    <dependency>
                      <groupId>io.bitcraps</groupId>
                      <artifactId>bitcraps-ledger</artifactId>
                      <version>%s</version>
                    </dependency>
                  </dependencies>
                  <build>
                    <plugins>
                      <plugin>
                        <groupId>org.apache.maven.plugins</groupId>
                        <artifactId>maven-compiler-plugin</artifactId>
                        <version>%s</version>
                      </plugin>
                      <plugin>
                        <groupId>org.apache.maven.plugins</groupId>
                        <artifactId>maven-resources-plugin</artifactId>
                        <version>%s</version>
                      </plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(version, compilerPlugin, resourcesPlugin);
    }

    /** The version our POM pins for a plugin, so the child builds use plugins this build already has. */
    private static String pluginVersion(String pom, String artifactId) {
        return group(pom, "<artifactId>" + Pattern.quote(artifactId) + "</artifactId>\\s*<version>([^<$]+)</version>");
    }

    private static String group(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as("pom.xml matches %s", regex).isTrue();
        return m.group(1).strip();
    }

    private static Path realLocalRepository() {
        for (String key : List.of("ledger.test.localRepository", "maven.repo.local")) {
            String value = System.getProperty(key);
            if (value != null && !value.isBlank() && !value.contains("${")) {
                return Path.of(value).toAbsolutePath();
            }
        }
        return Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    /**
     * A local repository at {@code farm} that reads through to {@code real}: a link to each of real's
     * top-level entries, except {@code io}, a directory of links to each of real's {@code io/*} except
     * {@code bitcraps}. Maven writes only what it installs, under io/bitcraps, which is farm's own.
     */
    private static Path symlinkFarm(Path real, Path farm) throws IOException {
        Files.createDirectories(farm.resolve("io/bitcraps"));
        try (Stream<Path> top = Files.list(real)) {
            for (Path e : top.toList()) {
                if (!e.getFileName().toString().equals("io")) {
                    Files.createSymbolicLink(farm.resolve(e.getFileName().toString()), e);
                }
            }
        }
        if (Files.isDirectory(real.resolve("io"))) {
            try (Stream<Path> io = Files.list(real.resolve("io"))) {
                for (Path e : io.toList()) {
                    if (!e.getFileName().toString().equals("bitcraps")) {
                        Files.createSymbolicLink(farm.resolve("io").resolve(e.getFileName().toString()), e);
                    }
                }
            }
        }
        return farm;
    }

    private void mvn(Path workDir, String what, String... goals) throws Exception {
        List<String> cmd = new ArrayList<>();
        String home = System.getProperty("ledger.test.mavenHome");
        cmd.add(home != null && !home.isBlank() && !home.contains("${")
                ? Path.of(home, "bin", "mvn").toString() : "mvn");
        cmd.addAll(List.of("-B", "-o", "-q", "-Dstyle.color=never", "-Dmaven.repo.local=" + repo));
        cmd.addAll(List.of(goals));
        Result r = run(workDir, cmd, MAVEN_TIMEOUT_MINUTES);
        if (r.exit != 0) {
            fail("mvn failed to %s (exit %d)%s", what, r.exit, r);
        }
    }

    private record Result(List<String> command, int exit, String out, String err) {
        @Override
        public String toString() {
            return "\n$ " + String.join(" ", command) + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
        }
    }

    private Result run(Path workDir, List<String> cmd, long timeoutMinutes) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
        Map<String, String> env = pb.environment();
        env.put("JAVA_HOME", System.getProperty("java.home"));
        Path out = Files.createTempFile(dir, "out-", ".txt");
        Path err = Files.createTempFile(dir, "err-", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            fail("timed out after %d minutes%s", timeoutMinutes,
                    new Result(cmd, -1, Files.readString(out), Files.readString(err)));
        }
        return new Result(cmd, p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /**
     * An entry the plain library jar must not hold, one that shading would bring: another library's class or
     * resource, its Maven metadata, a service registration, a multi-release class.
     */
    private static boolean shadedIn(String entry) {
        if (entry.endsWith("/") || entry.startsWith("io/bitcraps/ledger/") || entry.startsWith("schemas/")) {
            return false;
        }
        if (entry.startsWith("META-INF/")) {
            return entry.startsWith("META-INF/services/") || entry.startsWith("META-INF/versions/")
                    || entry.startsWith("META-INF/maven/") && !entry.startsWith("META-INF/maven/io.bitcraps/");
        }
        return true;
    }

    private static List<String> entries(Path jar) throws IOException {
        try (JarFile j = new JarFile(jar.toFile())) {
            return j.stream().map(ZipEntry::getName).toList();
        }
    }

    /** Every file under a directory with its size and modification time (empty when it does not exist). */
    private record Snapshot(Map<String, String> files) {
        static Snapshot of(Path root) throws IOException {
            if (!Files.exists(root)) {
                return new Snapshot(Map.of());
            }
            try (Stream<Path> all = Files.walk(root)) {
                return new Snapshot(all.filter(Files::isRegularFile).collect(Collectors.toMap(
                        p -> root.relativize(p).toString(), p -> {
                            try {
                                FileTime t = Files.getLastModifiedTime(p);
                                return Files.size(p) + " " + t;
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        })));
            }
        }
    }
}
