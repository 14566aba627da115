package io.bitcraps.ledger.views;

import io.bitcraps.ledger.api.Ledger;
import io.bitcraps.ledger.api.LedgerConfig;
import io.bitcraps.ledger.sim.CrapsFloor;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A views file damaged below SQL, in the default (log-first) layout: cut short, its header
 * overwritten, its pages overwritten with noise. Each is found at open, the file is rebuilt from
 * the log rather than served, and the rebuilt file's balances equal the ledger's (which the log
 * alone gives, in this layout); the open after that serves it as found.
 */
class ViewsFileDamageIT {
    @TempDir
    Path dir;

    enum Damage {
        CUT_TO_HALF, HEADER_OVERWRITTEN, PAGES_OVERWRITTEN
    }

    private Path db() {
        return dir.resolve("ledger.db");
    }

    private Ledger open() {
        return Ledger.open(LedgerConfig.builder(db()).backupInterval(Duration.ZERO).healthInterval(Duration.ZERO).build());
    }

    @ParameterizedTest
    @EnumSource(Damage.class)
    void aViewsFileDamagedBelowSqlIsRebuiltAtOpenAndItsBalancesEqualTheLedgers(Damage damage) throws Exception {
        long seed = Long.getLong("views.seed", ThreadLocalRandom.current().nextLong(1, 1_000_000));
        System.out.println("ViewsFileDamageIT seed " + seed + " (rerun with -Dviews.seed=" + seed + ")");
        Map<String, Long> before;
        try (Ledger ledger = open()) {
            assertThat(ledger.openReport()).doesNotContain("views file");
            new CrapsFloor(ledger, new CrapsFloor.Settings(4, 16, 10, seed, "d", 1_000, 1_000_000)).run(n -> { });
            assertThat(ledger.awaitViews(ledger.view().seq(), Duration.ofSeconds(60))).isTrue();
            before = ledger.view().balances();
        }
        Path views = ViewsFile.fileOf(db());
        assertThat(Files.size(views)).as("a views file of several pages").isGreaterThan(64 * 1024);
        assertThat(viewBalances(views)).as("the file as written").isEqualTo(before);
        damage(views, damage, seed);

        try (Ledger ledger = open()) {
            assertThat(ledger.openReport()).as(damage.name()).contains("views file").contains("rebuilt from the log");
            assertThat(ledger.view().balances()).isEqualTo(before);
            assertThat(ledger.awaitViews(ledger.view().seq(), Duration.ofSeconds(60))).isTrue();
        }
        assertThat(viewBalances(views)).as("the rebuilt file").isEqualTo(before);
        try (Ledger ledger = open()) {
            assertThat(ledger.openReport()).as("the rebuilt file is served at the next open").doesNotContain("views file");
        }
    }

    /**
     * A flip that keeps every page well-formed and every table row intact, but makes one entry of
     * the index of bets by player name another player: the row digest (a scan of the tables) cannot
     * see it, and a statement of bets by player read through the index would miss a bet. The open
     * must find it all the same.
     */
    @org.junit.jupiter.api.Test
    void anIndexEntryThatNoLongerMatchesItsRowIsFoundAtOpen() throws Exception {
        long seed = Long.getLong("views.seed", ThreadLocalRandom.current().nextLong(1, 1_000_000));
        System.out.println("ViewsFileDamageIT seed " + seed + " (rerun with -Dviews.seed=" + seed + ")");
        Map<String, Long> before;
        try (Ledger ledger = open()) {
            new CrapsFloor(ledger, new CrapsFloor.Settings(4, 16, 10, seed, "d", 1_000, 1_000_000)).run(n -> { });
            assertThat(ledger.awaitViews(ledger.view().seq(), Duration.ofSeconds(60))).isTrue();
            before = ledger.view().balances();
        }
        Path views = ViewsFile.fileOf(db());
        String player = renameInIndexLeaf(views, "bets_by_player");
        assertThat(integrityCheck(views)).as("SQLite's own full check sees the damage: the index only")
                .contains("bets_by_player").doesNotContain("ok");

        try (Ledger ledger = open()) {
            assertThat(ledger.openReport()).contains("views file").contains("rebuilt from the log").contains("bets_by_player");
            assertThat(ledger.awaitViews(ledger.view().seq(), Duration.ofSeconds(60))).isTrue();
        }
        assertThat(integrityCheck(views)).isEqualTo("ok");
        long[] rebuilt = betsOf(views, player);
        assertThat(rebuilt[0]).as("through the index, rebuilt").isEqualTo(rebuilt[1]).isPositive();
        assertThat(viewBalances(views)).isEqualTo(before);
    }

    private static String integrityCheck(Path views) throws Exception {
        StringBuilder out = new StringBuilder();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + views); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("PRAGMA integrity_check")) {
            while (rs.next()) {
                out.append(out.length() == 0 ? "" : "; ").append(rs.getString(1));
            }
        }
        return out.toString();
    }

    /** The open's index check compares two reads: the first of each pair through the index alone, the second from the table. */
    @org.junit.jupiter.api.Test
    void eachIndexCheckReadsTheIndexAloneAndThenTheTable() throws Exception {
        try (Ledger ledger = open()) {
            new CrapsFloor(ledger, new CrapsFloor.Settings(1, 4, 2, 1, "p", 1_000, 1_000_000)).run(n -> { });
            assertThat(ledger.awaitViews(ledger.view().seq(), Duration.ofSeconds(60))).isTrue();
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + ViewsFile.fileOf(db()));
             Statement st = c.createStatement()) {
            for (String[] check : ViewsFile.INDEX_CHECKS) {
                String index = check[1].substring(check[1].indexOf("INDEXED BY ") + 11).split(" ")[0];
                assertThat(plan(st, check[1])).as(check[1]).contains("USING COVERING INDEX " + index);
                assertThat(plan(st, check[2])).as(check[2]).startsWith("SCAN ").doesNotContain("INDEX");
            }
            assertThat(ViewsFile.indexNotMatchingItsTable(c)).isNull();
        }
    }

    private static String plan(Statement st, String sql) throws Exception {
        StringBuilder out = new StringBuilder();
        try (ResultSet rs = st.executeQuery("EXPLAIN QUERY PLAN " + sql)) {
            while (rs.next()) {
                out.append(out.length() == 0 ? "" : "; ").append(rs.getString("detail"));
            }
        }
        return out.toString();
    }

    /** {bets of the player through bets_by_player, bets of the player by a scan of the table}. */
    private static long[] betsOf(Path views, String player) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + views)) {
            long[] counts = new long[2];
            String[] queries = {"SELECT count(*) FROM bets INDEXED BY bets_by_player WHERE player = ?",
                    "SELECT count(*) FROM bets NOT INDEXED WHERE player = ?"};
            for (int i = 0; i < 2; i++) {
                try (var ps = c.prepareStatement(queries[i])) {
                    ps.setString(1, player);
                    try (ResultSet rs = ps.executeQuery()) {
                        counts[i] = rs.next() ? rs.getLong(1) : -1;
                    }
                }
            }
            return counts;
        }
    }

    /**
     * Finds a leaf page of {@code index} (following the leftmost child from its root) and changes the
     * last character of the first player name found in it to another digit, keeping the record's
     * length and form; returns the player whose entry now names someone else.
     */
    private static String renameInIndexLeaf(Path views, String index) throws Exception {
        int root;
        int pageSize;
        java.util.List<String> players = new java.util.ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + views); Statement st = c.createStatement()) {
            st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            try (ResultSet rs = st.executeQuery("SELECT rootpage FROM sqlite_master WHERE name = '" + index + "'")) {
                assertThat(rs.next()).isTrue();
                root = rs.getInt(1);
            }
            try (ResultSet rs = st.executeQuery("PRAGMA page_size")) {
                rs.next();
                pageSize = rs.getInt(1);
            }
            try (ResultSet rs = st.executeQuery("SELECT DISTINCT player FROM bets")) {
                while (rs.next()) {
                    players.add(rs.getString(1));
                }
            }
        }
        try (RandomAccessFile f = new RandomAccessFile(views.toFile(), "rw")) {
            byte[] page = new byte[pageSize];
            int pageNo = root;
            for (int depth = 0; ; depth++) {
                assertThat(depth).as("index depth").isLessThan(10);
                f.seek((long) (pageNo - 1) * pageSize);
                f.readFully(page);
                int type = page[0] & 0xff;
                if (type == 0x0a) {
                    break; // a leaf of an index b-tree
                }
                assertThat(type).as("an interior index page").isEqualTo(0x02);
                int firstCell = ((page[12] & 0xff) << 8) | (page[13] & 0xff);
                pageNo = ((page[firstCell] & 0xff) << 24) | ((page[firstCell + 1] & 0xff) << 16)
                        | ((page[firstCell + 2] & 0xff) << 8) | (page[firstCell + 3] & 0xff);
            }
            // the first cell of the leaf: payload size, then the record: header size, serial types, data;
            // the first column, the player, is text whose serial type says its length
            int cell = ((page[8] & 0xff) << 8) | (page[9] & 0xff);
            int[] at = {cell};
            varint(page, at); // payload size
            int record = at[0];
            long headerSize = varint(page, at);
            long serialType = varint(page, at);
            assertThat(serialType).as("the first key column is text").isGreaterThanOrEqualTo(13).matches(t -> t % 2 == 1);
            int length = (int) ((serialType - 13) / 2);
            int data = record + (int) headerSize;
            String player = new String(page, data, length, java.nio.charset.StandardCharsets.UTF_8);
            assertThat(players).as("the key is a player's name").contains(player);
            int last = data + length - 1;
            page[last] = (byte) (page[last] == '9' ? '8' : page[last] + 1);
            f.seek((long) (pageNo - 1) * pageSize);
            f.write(page);
            return player;
        }
    }

    /** An SQLite varint at {@code at[0]}, which it moves past it. */
    private static long varint(byte[] page, int[] at) {
        long v = 0;
        for (int i = 0; i < 9; i++) {
            int b = page[at[0]++] & 0xff;
            if (i == 8) {
                return (v << 8) | b;
            }
            v = (v << 7) | (b & 0x7f);
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        return v;
    }


    private static void damage(Path views, Damage damage, long seed) throws IOException {
        java.util.Random random = new java.util.Random(seed);
        try (RandomAccessFile f = new RandomAccessFile(views.toFile(), "rw")) {
            long size = f.length();
            switch (damage) {
                case CUT_TO_HALF -> f.setLength(size / 2);
                case HEADER_OVERWRITTEN -> {
                    byte[] noise = new byte[100];
                    random.nextBytes(noise);
                    f.seek(0);
                    f.write(noise);
                }
                case PAGES_OVERWRITTEN -> {
                    // every page after the first, from its start: b-tree headers and cells become noise
                    byte[] noise = new byte[512];
                    for (long at = 4096; at < size; at += 4096) {
                        random.nextBytes(noise);
                        f.seek(at);
                        f.write(noise);
                    }
                }
            }
        }
    }

    /** The non-zero balances in the views file (the ledger's view holds those only). */
    private static Map<String, Long> viewBalances(Path views) throws Exception {
        Map<String, Long> balances = new TreeMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + views); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT account, balance FROM balances WHERE balance != 0")) {
            while (rs.next()) {
                balances.put(rs.getString(1), rs.getLong(2));
            }
        }
        return balances;
    }
}
