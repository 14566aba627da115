package io.bitcraps.ledger.e2e;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an embedder and an operator get from the build (this runs after packaging): the main artifact
 * is the plain library (our classes, migrations and schemas only; a module name; no logging binding
 * or logging configuration), the POM hands the logging binding to no dependent, the {@code -cli} jar
 * holds everything the CLI runs on, the logging binding included, and a sources jar is made.
 */
class PackagingE2E {
    private static final Path TARGET = Path.of("target").toAbsolutePath();

    @Test
    void theLibraryJarHoldsOurClassesOnlyAndNamesItsModule() throws IOException {
        try (JarFile jar = new JarFile(TARGET.resolve("bitcraps-ledger.jar").toFile())) {
            List<String> foreign = jar.stream().map(ZipEntry::getName).filter(n -> !n.endsWith("/"))
                    .filter(n -> !n.startsWith("io/bitcraps/ledger/") && !n.startsWith("schemas/")
                            && !n.startsWith("META-INF/"))
                    .toList();
            assertThat(foreign).as("entries of other libraries, or a logging configuration").isEmpty();
            assertThat(jar.stream().map(ZipEntry::getName)).filteredOn(n -> n.startsWith("META-INF/services/")).isEmpty();
            assertThat(jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name"))
                    .isEqualTo("io.bitcraps.ledger");
            assertThat(jar.getEntry("io/bitcraps/ledger/api/Ledger.class")).isNotNull();
            assertThat(jar.getEntry("schemas/migrations/index.txt")).isNotNull();
        }
    }

    @Test
    void thePomGivesNoDependentALoggingBinding() throws IOException {
        String pom = Files.readString(Path.of("pom.xml"));
        Matcher binding = Pattern.compile("(?s)<dependency>\\s*<groupId>org\\.slf4j</groupId>\\s*"
                + "<artifactId>slf4j-simple</artifactId>(.*?)</dependency>").matcher(pom);
        assertThat(binding.find()).isTrue();
        assertThat(binding.group(1)).contains("<optional>true</optional>");
        assertThat(pom).contains("<artifactId>slf4j-api</artifactId>");
    }

    @Test
    void theCliJarCarriesEveryDependencyAndTheLoggingBinding() throws IOException {
        Path cli;
        try (Stream<Path> files = Files.list(TARGET)) {
            cli = files.filter(p -> p.getFileName().toString().matches("bitcraps-ledger-.+-cli\\.jar")).findFirst()
                    .orElseThrow(() -> new AssertionError("no -cli jar in " + TARGET));
        }
        try (JarFile jar = new JarFile(cli.toFile())) {
            assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class")).isEqualTo("io.bitcraps.ledger.cli.LedgerCli");
            assertThat(jar.getEntry("simplelogger.properties")).isNotNull();
            assertThat(jar.getEntry("org/slf4j/simple/SimpleLogger.class")).isNotNull();
            assertThat(jar.getEntry("org/sqlite/JDBC.class")).isNotNull();
            assertThat(jar.getEntry("com/lmax/disruptor/RingBuffer.class")).isNotNull();
            assertThat(jar.getEntry("io/bitcraps/ledger/api/Ledger.class")).isNotNull();
        }
    }

    @Test
    void aSourcesJarIsMade() throws IOException {
        try (JarFile jar = new JarFile(TARGET.resolve("bitcraps-ledger-sources.jar").toFile())) {
            assertThat(jar.getEntry("io/bitcraps/ledger/api/Ledger.java")).isNotNull();
        }
    }
}
