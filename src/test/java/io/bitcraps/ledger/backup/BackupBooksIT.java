package io.bitcraps.ledger.backup;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.api.LedgerView;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.Account;
import io.bitcraps.ledger.domain.BackupFailure;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.domain.LedgerEvent;
import io.bitcraps.ledger.domain.Posting;
import io.bitcraps.ledger.projection.StoredEvents;
import io.bitcraps.ledger.sim.CrapsFloor;
import io.bitcraps.ledger.store.EventRow;
import io.bitcraps.ledger.store.LedgerDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.bitcraps.ledger.support.Fixtures.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Backups verified by meaning: the manifest records the books the backup's log folds to (house,
 * players, escrow, world, every balance's digest), equal to the live ledger's at that seq; a
 * backup whose log folds to other books than its manifest recorded is refused by verify and by
 * restore; and a log whose postings do not balance is refused outright.
 */
class BackupBooksIT {
    @TempDir
    Path dir;

    @Test
    void theManifestCarriesTheBooksOfTheLiveLedgerAndAMismatchIsRefused() throws Exception {
        Path db = dir.resolve("books.db");
        Path backups = dir.resolve("backups");
        LedgerView view;
        Backups.Result taken;
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).backupInterval(Duration.ZERO).build())) {
            new CrapsFloor(ledger, new CrapsFloor.Settings(2, 8, 4, 7, "books", 1_000, 10_000_000)).run(n -> { });
            view = ledger.view();
            taken = Backups.take(db, backups, null, Clock.systemUTC());
        }
        BackupBooks books = taken.manifest().books();
        assertThat(books).isNotNull();
        long players = view.balances().entrySet().stream().filter(e -> e.getKey().startsWith("player:"))
                .mapToLong(Map.Entry::getValue).sum();
        long escrow = view.balances().entrySet().stream().filter(e -> e.getKey().startsWith("escrow:"))
                .mapToLong(Map.Entry::getValue).sum();
        assertThat(books.house()).isEqualTo(view.balance(Account.HOUSE));
        assertThat(books.world()).isEqualTo(view.balance(Account.WORLD));
        assertThat(books.players()).isEqualTo(players);
        assertThat(books.escrow()).isEqualTo(escrow);
        assertThat(books.world() + books.house() + books.players() + books.escrow()).isZero();
        assertThat(Backups.verify(taken.file(), null).books()).isEqualTo(books);
        assertThat(Files.readString(taken.manifestFile())).contains("\"books\":{", "\"balancesSha256\":");
        assertThat(io.bitcraps.ledger.support.OutputSchemas.errors("schemas/backup/manifest.schema.json",
                tools.jackson.databind.json.JsonMapper.shared().readTree(Files.readString(taken.manifestFile())))).isEmpty();

        // the manifest says other books than the file folds to: verify and restore refuse it
        String manifest = Files.readString(taken.manifestFile(), StandardCharsets.UTF_8);
        Files.writeString(taken.manifestFile(), manifest.replace("\"house\":" + books.house(),
                "\"house\":" + (books.house() + 1)), StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Backups.verify(taken.file(), null)).isInstanceOf(BackupFailure.class)
                .hasMessageContaining("its manifest recorded");
        assertThatThrownBy(() -> Restore.restore(backups, taken.file().getFileName().toString(), dir.resolve("r.db"),
                new Restore.Options(false, false, false, null, Long.MAX_VALUE, Long.MAX_VALUE, null)))
                .isInstanceOf(BackupFailure.class).hasMessageContaining("its manifest recorded");
    }

    @Test
    void aLogWhosePostingsDoNotBalanceIsRefused() throws Exception {
        Path db = dir.resolve("unbalanced.db");
        try (Ledger ledger = Ledger.open(LedgerConfig.builder(db).backupInterval(Duration.ZERO).build())) {
            ok(ledger.submit(new Command.Deposit("alice", 100, "cash-1")));
            ok(ledger.submit(new Command.Deposit("bob", 50, "cash-2")));
        }
        // the payload of seq 2 rewritten to credit bob 51 against the world's 50: the log no longer balances
        PayloadCodec codec = new PayloadCodec();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             PreparedStatement read = c.prepareStatement("SELECT seq, ts, type, payload, hash FROM events WHERE seq = 2");
             ResultSet rs = read.executeQuery()) {
            assertThat(rs.next()).isTrue();
            EventRow row = new EventRow(rs.getLong(1), rs.getLong(2), rs.getInt(3), null, null, null, null, null,
                    rs.getBytes(4), rs.getBytes(5));
            LedgerEvent e = StoredEvents.decode(codec, row);
            assertThat(e.type()).isEqualTo(EventType.DEPOSITED);
            LedgerEvent bent = new LedgerEvent(e.seq(), e.timestampMicros(), e.command(),
                    List.of(new Posting(Account.WORLD, -50), new Posting(Account.player("bob"), 51)), e.key(), e.submissionSize());
            try (PreparedStatement write = c.prepareStatement("UPDATE events SET payload = ? WHERE seq = 2")) {
                write.setBytes(1, codec.encode(bent));
                write.executeUpdate();
            }
        }
        try (Connection c = LedgerDatabase.openReadOnly(db)) {
            assertThatThrownBy(() -> BackupBooks.of(c, "unbalanced.db")).isInstanceOf(BackupFailure.class)
                    .hasMessageContaining("sum to 1, not 0 (I1)");
        }
    }
}
