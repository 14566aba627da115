package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.domain.BackupFailure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The symbolic-link rule of restore targets, on real directories and links. */
class SafePathsTest {
    @TempDir
    Path dir;

    @Test
    void aPlainNestedTargetIsAcceptedWhetherItsDirectoriesExistOrNot() throws Exception {
        Files.createDirectories(dir.resolve("a/b"));
        assertThat(SafePaths.target(dir.resolve("a/b/ledger.db"))).isEqualTo(dir.resolve("a/b/ledger.db").toAbsolutePath());
        assertThat(SafePaths.target(dir.resolve("a/b/c/d/ledger.db"))).isEqualTo(dir.resolve("a/b/c/d/ledger.db").toAbsolutePath());
    }

    @Test
    void aSymlinkedParentDirectoryIsRefusedNamingIt() throws Exception {
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Path link = Files.createSymbolicLink(Files.createDirectories(dir.resolve("x")).resolve("link-to-elsewhere"), elsewhere);

        assertThatThrownBy(() -> SafePaths.target(link.resolve("ledger.db")))
                .isInstanceOf(BackupFailure.class)
                .hasMessageContaining("refusing target " + link.resolve("ledger.db"))
                .hasMessageContaining(link + " is a symbolic link");
    }

    @Test
    void aSymlinkedDirectoryHigherUpIsRefusedToo() throws Exception {
        Files.createDirectories(dir.resolve("elsewhere/sub"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), dir.resolve("elsewhere"));

        assertThatThrownBy(() -> SafePaths.target(link.resolve("sub/new/ledger.db")))
                .isInstanceOf(BackupFailure.class)
                .hasMessageContaining(link + " is a symbolic link");
    }

    @Test
    void theTargetItselfBeingALinkIsStillRefused() throws Exception {
        Path real = Files.createFile(dir.resolve("real.db"));
        Path link = Files.createSymbolicLink(dir.resolve("ledger.db"), real);

        assertThatThrownBy(() -> SafePaths.target(link))
                .isInstanceOf(BackupFailure.class)
                .hasMessageContaining("it is a symbolic link");
    }
}
