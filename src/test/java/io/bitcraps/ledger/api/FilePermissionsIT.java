package io.bitcraps.ledger.api;

import io.bitcraps.ledger.domain.Command.Deposit;
import io.bitcraps.ledger.domain.Command.Withdraw;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The files that hold the ledger's history, the database, its {@code -wal} and {@code -shm}, and
 * the journal archive's segments, get the configured mode ({@code rw-------} by default) whatever
 * the process umask, checked on real files while the ledger runs.
 */
class FilePermissionsIT {
    @TempDir
    Path dir;

    @BeforeEach
    void posixOnly() {
        assumeThat(FileSystems.getDefault().supportedFileAttributeViews()).as("POSIX file permissions").contains("posix");
    }

    private LedgerConfig.Builder config() {
        return LedgerConfig.builder(dir.resolve("ledger.db")).archiveDir(dir.resolve("archive"))
                .backupInterval(Duration.ZERO).healthInterval(Duration.ZERO);
    }

    /** Every file the ledger wrote (the lock file aside, which holds no data), with its mode. */
    private List<String> modes(Path... more) throws Exception {
        List<Path> files = new ArrayList<>(List.of(dir.resolve("ledger.db"), dir.resolve("ledger.db-wal"),
                dir.resolve("ledger.db-shm")));
        try (Stream<Path> segments = Files.list(dir.resolve("archive"))) {
            files.addAll(segments.toList());
        }
        files.addAll(List.of(more));
        List<String> out = new ArrayList<>();
        for (Path f : files) {
            assertThat(f).exists();
            out.add(dir.relativize(f) + " " + PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        }
        return out;
    }

    private static void write(Ledger ledger) {
        for (int i = 0; i < 20; i++) {
            ok(ledger.submit(new Deposit("p" + (i % 3), 10 + i, "cage-" + i)));
        }
        ok(ledger.submit(new Withdraw("p0", 5, "out-1")));
    }

    @Test
    void byDefaultTheDatabaseItsWalAndShmAndTheArchiveSegmentsAreOwnerOnly() throws Exception {
        // the umask lets a plainly created file be read by others, or this test would prove nothing
        Path probe = Files.createFile(dir.resolve("probe"));
        assumeThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(probe))).isNotEqualTo("rw-------");

        try (Ledger ledger = Ledger.open(config().build())) {
            write(ledger);
            List<String> modes = modes();
            System.out.println(modes);
            assertThat(modes).hasSizeGreaterThanOrEqualTo(4)
                    .allSatisfy(m -> assertThat(m).endsWith(" rw-------"));
        }
    }

    @Test
    void aConfiguredModeIsAppliedExactlyEvenWhereTheUmaskWouldNarrowIt() throws Exception {
        // group write is what a umask of 022 takes away: the mode must still be exact
        try (Ledger ledger = Ledger.open(config().fileMode("rw-rw----").build())) {
            write(ledger);
            List<String> modes = modes();
            System.out.println(modes);
            assertThat(modes).hasSizeGreaterThanOrEqualTo(4)
                    .allSatisfy(m -> assertThat(m).endsWith(" rw-rw----"));
        }
    }

    @Test
    void aBadFileModeIsRefusedAtBuildNamingTheOption() {
        assertThatThrownBy(() -> config().fileMode("rw-r--r").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fileMode").hasMessageContaining("rw-r--r");
        assertThatThrownBy(() -> config().fileMode("r--------").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fileMode").hasMessageContaining("owner").hasMessageContaining("r--------");
        assertThat(config().build().fileMode()).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }
}
