package io.bitcraps.ledger.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sqlite.SQLiteConfig;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Opening ledger databases: the writer's pragmas take, read-only connections cannot write. */
class LedgerDatabaseIT {
    private static final String INSERT_EVENT = "INSERT INTO events(seq, ts, type, payload, hash) VALUES (99, 0, 1, x'00', zeroblob(32))";

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Durability.class)
    void theWriterConnectionsPragmasReadBackAsConfigured(Durability durability) throws Exception {
        StoreOptions o = StoreOptions.defaults(dir.resolve("ledger.db"), durability);
        try (Connection conn = LedgerDatabase.openWriter(o)) {
            assertThat(pragma(conn, "journal_mode")).isEqualTo("wal");
            assertThat(pragma(conn, "synchronous")).isEqualTo(durability == Durability.FULL ? "2" : "1")
                    .isEqualTo(Integer.toString(durability.synchronousPragma()));
            assertThat(pragma(conn, "busy_timeout")).isEqualTo("5000");
            assertThat(pragma(conn, "cache_size")).isEqualTo("-64000");
            assertThat(pragma(conn, "temp_store")).isEqualTo("2");
            assertThat(pragma(conn, "mmap_size")).isEqualTo("268435456");
            assertThat(pragma(conn, "journal_size_limit")).isEqualTo(Long.toString(64L << 20));
            assertThat(pragma(conn, "page_size")).isEqualTo(Integer.toString(StoreOptions.PAGE_BYTES));
            assertThat(pragma(conn, "max_page_count")).isEqualTo(Long.toString((1L << 40) / StoreOptions.PAGE_BYTES));
        }
    }

    @Test
    void theWriterConnectionTakesNonDefaultOptionsRatherThanHardCodedOnes() throws Exception {
        StoreOptions o = new StoreOptions(dir.resolve("custom.db"), Durability.NORMAL, 1_234, 2_000, 1L << 20,
                1L << 21, 1L << 30);
        try (Connection conn = LedgerDatabase.openWriter(o)) {
            assertThat(pragma(conn, "synchronous")).isEqualTo("1");
            assertThat(pragma(conn, "busy_timeout")).isEqualTo("1234");
            assertThat(pragma(conn, "cache_size")).isEqualTo("-2000");
            assertThat(pragma(conn, "mmap_size")).isEqualTo(Long.toString(1L << 20));
            assertThat(pragma(conn, "journal_size_limit")).isEqualTo(Long.toString(1L << 21));
            assertThat(pragma(conn, "max_page_count")).isEqualTo(Long.toString((1L << 30) / StoreOptions.PAGE_BYTES));
        }
    }

    @Test
    void aReadOnlyConnectionRefusesWritesAtTheDriverAndThroughQueryOnlyWhileSeeingTheWritersCommittedRows()
            throws Exception {
        Path db = dir.resolve("ledger.db");
        try (EventLog writer = new EventLog(LedgerDatabase.openWriter(StoreOptions.defaults(db, Durability.FULL)))) {
            commitRows(writer, 1, 2);
            try (Connection reader = LedgerDatabase.openReadOnly(db)) {
                assertThat(reader.isReadOnly()).isTrue();
                assertThat(pragma(reader, "query_only")).isEqualTo("1");
                assertThat(EventReader.maxSeq(reader)).isEqualTo(2);

                // refused as it is opened: read-only driver and query_only
                assertThatThrownBy(() -> execute(reader, INSERT_EVENT))
                        .isInstanceOf(SQLException.class).hasMessageContaining("readonly");
                // query_only off, the driver's read-only flag alone still refuses
                execute(reader, "PRAGMA query_only = 0");
                assertThatThrownBy(() -> execute(reader, INSERT_EVENT))
                        .isInstanceOf(SQLException.class).hasMessageContaining("readonly");
                execute(reader, "PRAGMA query_only = 1");

                // the writer commits while the reader is open; the reader's next read sees it
                commitRows(writer, 3, 5);
                assertThat(EventReader.maxSeq(reader)).isEqualTo(5);

                // half a batch (sent, not committed) is invisible to the reader
                writer.begin();
                writer.add(row(6));
                writer.finish(6, 6, hash(6), 6, null, 0);
                assertThat(EventReader.maxSeq(reader)).isEqualTo(5);
                assertThat(EventReader.head(reader).seq()).isEqualTo(5);
                writer.commit();
                assertThat(EventReader.maxSeq(reader)).isEqualTo(6);
                assertThat(EventReader.head(reader).seq()).isEqualTo(6);
            }
            assertThat(writer.maxSeq()).as("the refused inserts wrote nothing").isEqualTo(6);
        }
    }

    @Test
    void queryOnlyAloneRefusesWritesOnAConnectionTheDriverWouldLetWrite() throws Exception {
        Path db = dir.resolve("ledger.db");
        LedgerDatabase.openWriter(StoreOptions.defaults(db, Durability.FULL)).close();
        try (Connection conn = DriverManager.getConnection(LedgerDatabase.url(db))) {
            execute(conn, "PRAGMA query_only = 1");
            assertThatThrownBy(() -> execute(conn, INSERT_EVENT)).isInstanceOf(SQLException.class);
            try (Statement st = conn.createStatement()) {
                assertThat(st.executeQuery("SELECT count(*) FROM events").getLong(1)).isZero();
            }
        }
    }

    @Test
    void theReadOnlyDriverSettingsAloneRefuseWrites() throws Exception {
        Path db = dir.resolve("ledger.db");
        LedgerDatabase.openWriter(StoreOptions.defaults(db, Durability.FULL)).close();
        SQLiteConfig cfg = LedgerDatabase.readOnlyConfig(1_000);
        try (Connection conn = cfg.createConnection(LedgerDatabase.url(db))) {
            assertThat(pragma(conn, "query_only")).isEqualTo("0");
            assertThatThrownBy(() -> execute(conn, INSERT_EVENT))
                    .isInstanceOf(SQLException.class).hasMessageContaining("readonly");
        }
    }

    @Test
    void openReadOnlyRefusesASqliteFileThatIsNotALedger() throws Exception {
        Path other = dir.resolve("other.db");
        try (Connection conn = DriverManager.getConnection(LedgerDatabase.url(other))) {
            execute(conn, "CREATE TABLE something_else (x INTEGER)");
        }
        assertThatThrownBy(() -> LedgerDatabase.openReadOnly(other).close())
                .isInstanceOf(SchemaMismatch.class)
                .hasMessageContaining(other.toString())
                .hasMessageContaining("not a ledger database");

        Path empty = Files.createFile(dir.resolve("empty.db"));
        assertThatThrownBy(() -> LedgerDatabase.openReadOnly(empty).close())
                .isInstanceOf(SchemaMismatch.class)
                .hasMessageContaining("not a ledger database");
        assertThat(Files.size(empty)).isZero();
    }

    @Test
    void openReadOnlyRefusesAFileThatIsNotSqliteAtAll() throws Exception {
        Path text = dir.resolve("notes.db");
        Files.writeString(text, "this is not a database, just some text long enough to fill a header block\n".repeat(10),
                StandardCharsets.UTF_8);
        assertThatThrownBy(() -> LedgerDatabase.openReadOnly(text).close())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("not a database");
    }

    @Test
    void openReadOnlyOnAMissingFileFailsClearlyAndCreatesNothing() {
        Path missing = dir.resolve("nowhere").resolve("missing.db");
        assertThatThrownBy(() -> LedgerDatabase.openReadOnly(missing).close())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("no ledger database at")
                .hasMessageContaining(missing.toString());
        assertThat(missing).doesNotExist();
        assertThat(missing.getParent()).doesNotExist();
    }

    private static void commitRows(EventLog log, long from, long to) throws SQLException {
        log.begin();
        for (long seq = from; seq <= to; seq++) {
            log.add(row(seq));
        }
        log.finish(to, to, hash(to), to, null, 0);
        log.commit();
    }

    private static EventRow row(long seq) {
        return new EventRow(seq, seq, 1, null, "p" + seq, null, seq, null, new byte[] {(byte) seq}, hash(seq));
    }

    private static byte[] hash(long seq) {
        byte[] h = new byte[32];
        h[0] = (byte) seq;
        return h;
    }

    private static String pragma(Connection conn, String name) throws SQLException {
        return LedgerDatabase.readPragma(conn, name);
    }

    private static void execute(Connection conn, String sql) throws SQLException {
        try (Statement st = conn.createStatement()) {
            st.execute(sql);
        }
    }
}
