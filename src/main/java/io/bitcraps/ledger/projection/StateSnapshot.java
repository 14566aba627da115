package io.bitcraps.ledger.projection;

import io.bitcraps.ledger.domain.BetType;
import io.bitcraps.ledger.domain.Outcome;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The writer's state as bytes, for the log-first commit: with the read model out of the durable
 * transaction, the writer keeps a snapshot of what it holds (non-zero balances, open games with
 * their bets; small, bounded by what is live) every so often, and an open loads the newest one and
 * folds the log after it. The stored {@link StateDigest} of the state guards the bytes: a decoded
 * snapshot that does not hash to it is damage, and the open replays the whole log instead.
 * <p>
 * Format, version 1, big-endian ({@code DataOutputStream}): version byte; balance count, then
 * (account UTF, balance long) each; game count, then per game: id, table, opened seq, rolls, last
 * die 1 and 2, point, open-bet count, bet count, then per bet: id, player, bet type name, point
 * (-1 for none), amount, placed seq, settled seq, outcome name ("" while open), winnings.
 * Entries are written in key order, so the same state always gives the same bytes.
 */
public final class StateSnapshot {
    private static final int VERSION = 1;

    private StateSnapshot() {}

    public static byte[] encode(LedgerState s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + 48 * s.balances().size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            Map<String, Long> balances = new TreeMap<>(s.balances());
            out.writeInt(balances.size());
            for (var e : balances.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeLong(e.getValue());
            }
            Map<String, GameState> games = new TreeMap<>(s.games());
            out.writeInt(games.size());
            for (GameState g : games.values()) {
                out.writeUTF(g.gameId());
                out.writeUTF(g.tableId());
                out.writeLong(g.openedSeq());
                out.writeInt(g.rolls());
                out.writeByte(g.lastDie1());
                out.writeByte(g.lastDie2());
                out.writeByte(g.point());
                out.writeInt(g.openBetCount());
                Map<String, BetState> bets = new TreeMap<>(g.bets());
                out.writeInt(bets.size());
                for (BetState b : bets.values()) {
                    out.writeUTF(b.betId());
                    out.writeUTF(b.player());
                    out.writeUTF(b.betType().name());
                    out.writeInt(b.point() == null ? -1 : b.point());
                    out.writeLong(b.amount());
                    out.writeLong(b.placedSeq());
                    out.writeLong(b.settledSeq());
                    out.writeUTF(b.outcome() == null ? "" : b.outcome().name());
                    out.writeLong(b.winnings());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return bytes.toByteArray();
    }

    /** Thrown for bytes that are not a snapshot of this format, or that do not hash to their digest. */
    public static final class Damaged extends Exception {
        Damaged(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The state the bytes hold, at {@code seq} with chain head {@code headHash}; it must hash to
     * {@code digest}, the state digest stored with them.
     */
    public static LedgerState decode(byte[] snapshot, long seq, byte[] headHash, long lastTimestampMicros, long digest)
            throws Damaged {
        PMap<String, Long> balances = HashTreePMap.empty();
        PMap<String, GameState> games = HashTreePMap.empty();
        long sum = 0;
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot))) {
            int version = in.readUnsignedByte();
            if (version != VERSION) {
                throw new Damaged("snapshot format version " + version + ", this code reads " + VERSION, null);
            }
            int accounts = in.readInt();
            for (int i = 0; i < accounts; i++) {
                String account = in.readUTF();
                long balance = in.readLong();
                balances = balances.plus(account, balance);
                sum = Math.addExact(sum, balance);
            }
            int gameCount = in.readInt();
            for (int i = 0; i < gameCount; i++) {
                String gameId = in.readUTF();
                String tableId = in.readUTF();
                long openedSeq = in.readLong();
                int rolls = in.readInt();
                int die1 = in.readByte();
                int die2 = in.readByte();
                int point = in.readByte();
                int openBets = in.readInt();
                int betCount = in.readInt();
                PMap<String, BetState> bets = HashTreePMap.empty();
                for (int j = 0; j < betCount; j++) {
                    String betId = in.readUTF();
                    String player = in.readUTF();
                    BetType type = BetType.valueOf(in.readUTF());
                    int betPoint = in.readInt();
                    long amount = in.readLong();
                    long placedSeq = in.readLong();
                    long settledSeq = in.readLong();
                    String outcome = in.readUTF();
                    long winnings = in.readLong();
                    bets = bets.plus(betId, new BetState(gameId, betId, player, type, betPoint < 0 ? null : betPoint, amount,
                            placedSeq, settledSeq, outcome.isEmpty() ? null : Outcome.valueOf(outcome), winnings));
                }
                games = games.plus(gameId, GameState.loaded(gameId, tableId, true, openedSeq, 0, rolls, die1, die2, point,
                        openBets, bets));
            }
            if (in.available() != 0) {
                throw new Damaged(in.available() + " bytes after the end of the snapshot", null);
            }
        } catch (IOException | IllegalArgumentException | ArithmeticException e) {
            throw new Damaged("the snapshot does not decode: " + e, e);
        }
        LedgerState s = new LedgerState(seq, lastTimestampMicros, headHash, balances, sum, games, 0);
        long actual = StateDigest.of(s);
        if (actual != digest) {
            throw new Damaged("the snapshot hashes to " + Long.toHexString(actual) + ", its stored digest is "
                    + Long.toHexString(digest), null);
        }
        return new LedgerState(seq, lastTimestampMicros, headHash, balances, sum, games, digest);
    }
}
