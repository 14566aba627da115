package io.bitcraps.ledger.projection;

import io.bitcraps.ledger.domain.BetState;
import io.bitcraps.ledger.protection.PlayerProtection;
import io.bitcraps.ledger.craps.Bet;
import io.bitcraps.ledger.craps.GameTable;
import io.bitcraps.ledger.craps.OpenBet;
import io.bitcraps.ledger.craps.Resolution;
import io.bitcraps.ledger.craps.Roll;
import io.bitcraps.ledger.craps.Settlement;
import io.bitcraps.ledger.craps.TableRules;
import io.bitcraps.ledger.craps.TableState;
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
 * <p>
 * Version 2 adds, after each game's bets, its rulebook table ({@link GameState#table()}): a flag,
 * then the rules' canonical text, roll count, point (0 for none), decisions, last roll (0 for none,
 * else {@code 6 * (die1 - 1) + die2}), the open bets (id, player, type, named point or -1, stake,
 * placed-at roll, riding point or -1) and the due ones (the same, then outcome, winnings and the
 * deciding roll's index); and ends with a CRC-32C of everything before it, since the digest does
 * not cover the tables. Version 3 adds, after a table's due bets, the commitment of a provably fair
 * game ("" for none) and its rolls (client seed, nonce, dice as for the last roll). Version 4 adds,
 * after the games, the protected players: a count, then per player (in id order) the id and its
 * {@link PlayerProtection#writeTo} bytes. Versions 1 (without tables: the loader folds them from the
 * log), 2 (tables of games that are not fair) and 3 (without protections: the loader folds them
 * from the log, {@link Protections}) still decode.
 */
public final class StateSnapshot {
    private static final int VERSION = 4;

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
                writeTable(out, g.table());
            }
            Map<String, PlayerProtection> protected_ = new TreeMap<>(s.protection());
            out.writeInt(protected_.size());
            for (var e : protected_.entrySet()) {
                out.writeUTF(e.getKey());
                e.getValue().writeTo(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        byte[] body = bytes.toByteArray();
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(body);
        byte[] all = java.util.Arrays.copyOf(body, body.length + 4);
        int c = (int) crc.getValue();
        all[body.length] = (byte) (c >>> 24);
        all[body.length + 1] = (byte) (c >>> 16);
        all[body.length + 2] = (byte) (c >>> 8);
        all[body.length + 3] = (byte) c;
        return all;
    }

    private static void writeTable(DataOutputStream out, GameTable t) throws IOException {
        out.writeBoolean(t != null);
        if (t == null) {
            return;
        }
        out.writeUTF(t.rules().canonical());
        out.writeInt(t.state().rollCount());
        out.writeByte(t.state().point() == null ? 0 : t.state().point());
        out.writeInt(t.state().decisions());
        out.writeByte(t.lastRoll() == null ? 0 : 6 * (t.lastRoll().die1() - 1) + t.lastRoll().die2());
        Map<String, OpenBet> open = new TreeMap<>(t.open());
        out.writeInt(open.size());
        for (OpenBet b : open.values()) {
            writeBet(out, b);
        }
        Map<String, Settlement> due = new TreeMap<>(t.due());
        out.writeInt(due.size());
        for (Settlement d : due.values()) {
            writeBet(out, d.bet());
            out.writeUTF(d.resolution().status().name());
            out.writeLong(d.resolution().winnings());
            out.writeInt(d.resolution().rollIndex());
        }
        out.writeUTF(t.commitment() == null ? "" : t.commitment());
        out.writeInt(t.fairRolls().size());
        for (GameTable.FairRoll f : t.fairRolls()) {
            out.writeUTF(f.clientSeed());
            out.writeLong(f.nonce());
            out.writeByte(6 * (f.roll().die1() - 1) + f.roll().die2());
        }
    }

    private static void writeBet(DataOutputStream out, OpenBet b) throws IOException {
        out.writeUTF(b.betId());
        out.writeUTF(b.player());
        out.writeUTF(b.type().name());
        out.writeInt(b.bet().point() == null ? -1 : b.bet().point());
        out.writeLong(b.stake());
        out.writeInt(b.placedAt());
        out.writeInt(b.point() == null ? -1 : b.point());
    }

    private static GameTable readTable(DataInputStream in, int version) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        TableRules rules = TableRules.parse(in.readUTF());
        int rollCount = in.readInt();
        int point = in.readByte();
        int decisions = in.readInt();
        int last = in.readByte();
        TableState state = new TableState(rollCount, point == 0 ? null : point, decisions);
        Roll lastRoll = last == 0 ? null : Roll.of((last - 1) / 6 + 1, (last - 1) % 6 + 1);
        PMap<String, OpenBet> open = HashTreePMap.empty();
        int openCount = in.readInt();
        for (int i = 0; i < openCount; i++) {
            OpenBet b = readBet(in);
            open = open.plus(b.betId(), b);
        }
        PMap<String, Settlement> due = HashTreePMap.empty();
        int dueCount = in.readInt();
        for (int i = 0; i < dueCount; i++) {
            OpenBet b = readBet(in);
            Resolution.Status status = Resolution.Status.valueOf(in.readUTF());
            long winnings = in.readLong();
            int rollIndex = in.readInt();
            due = due.plus(b.betId(), new Settlement(b, new Resolution(status, winnings, rollIndex, b.point())));
        }
        org.pcollections.PVector<GameTable.FairRoll> fairRolls = org.pcollections.TreePVector.empty();
        if (version < 3) {
            return new GameTable(rules, state, lastRoll, open, due, null, fairRolls); // before fair games
        }
        String commitment = in.readUTF();
        int fairCount = in.readInt();
        for (int i = 0; i < fairCount; i++) {
            String clientSeed = in.readUTF();
            long nonce = in.readLong();
            int code = in.readByte();
            fairRolls = fairRolls.plus(new GameTable.FairRoll(clientSeed, nonce, Roll.of((code - 1) / 6 + 1, (code - 1) % 6 + 1)));
        }
        return new GameTable(rules, state, lastRoll, open, due, commitment.isEmpty() ? null : commitment, fairRolls);
    }

    /**
     * The digest covers the game and its bets, not its table: a table must agree with them (its
     * rolls, puck and last dice; each bet it holds open in the game with the same player, type and
     * stake), or the snapshot is damaged.
     */
    private static void checkTable(String gameId, GameTable t, int rolls, int die1, int die2, int point,
                                   PMap<String, BetState> bets) {
        boolean agrees = t.state().rollCount() == rolls && (t.state().point() == null ? 0 : t.state().point()) == point
                && (rolls == 0 ? t.lastRoll() == null
                    : t.lastRoll() != null && t.lastRoll().die1() == die1 && t.lastRoll().die2() == die2);
        for (OpenBet b : t.open().values()) {
            agrees &= sameOpenBet(bets.get(b.betId()), b);
        }
        for (Settlement d : t.due().values()) {
            agrees &= sameOpenBet(bets.get(d.betId()), d.bet());
        }
        if (!agrees) {
            throw new IllegalArgumentException("the rulebook table of game " + gameId + " does not match the game");
        }
    }

    private static boolean sameOpenBet(BetState b, OpenBet t) {
        return b != null && b.isOpen() && b.player().equals(t.player()) && b.betType() == t.type()
                && b.amount() == t.stake() && java.util.Objects.equals(b.point(), t.bet().point());
    }

    private static OpenBet readBet(DataInputStream in) throws IOException {
        String betId = in.readUTF();
        String player = in.readUTF();
        BetType type = BetType.valueOf(in.readUTF());
        int named = in.readInt();
        long stake = in.readLong();
        int placedAt = in.readInt();
        int riding = in.readInt();
        return new OpenBet(betId, player, new Bet(type, named < 0 ? null : named, stake, placedAt),
                riding < 0 ? null : riding);
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
        PMap<String, PlayerProtection> protection = HashTreePMap.empty();
        long sum = 0;
        int version = snapshot.length == 0 ? -1 : snapshot[0] & 0xff;
        int length = snapshot.length;
        if (version >= 2) {
            if (length < 5) {
                throw new Damaged("a snapshot of " + length + " bytes", null);
            }
            length -= 4;
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(snapshot, 0, length);
            int stored = ((snapshot[length] & 0xff) << 24) | ((snapshot[length + 1] & 0xff) << 16)
                    | ((snapshot[length + 2] & 0xff) << 8) | (snapshot[length + 3] & 0xff);
            if (stored != (int) crc.getValue()) {
                throw new Damaged("the snapshot's CRC-32C does not match its bytes", null);
            }
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot, 0, length))) {
            in.readUnsignedByte();
            if (version < 1 || version > VERSION) {
                throw new Damaged("snapshot format version " + version + ", this code reads 1 to " + VERSION, null);
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
                GameTable table = version >= 2 ? readTable(in, version) : null;
                if (table != null) {
                    checkTable(gameId, table, rolls, die1, die2, point, bets);
                }
                games = games.plus(gameId, GameState.loaded(gameId, tableId, true, openedSeq, 0, rolls, die1, die2, point,
                        openBets, bets, table));
            }
            if (version >= 4) {
                int players = in.readInt();
                for (int i = 0; i < players; i++) {
                    String player = in.readUTF();
                    protection = protection.plus(player, PlayerProtection.readFrom(in));
                }
            }
            if (in.available() != 0) {
                throw new Damaged(in.available() + " bytes after the end of the snapshot", null);
            }
        } catch (IOException | IllegalArgumentException | ArithmeticException e) {
            throw new Damaged("the snapshot does not decode: " + e, e);
        }
        LedgerState s = new LedgerState(seq, lastTimestampMicros, headHash, balances, sum, games, 0, protection);
        long actual = StateDigest.of(s);
        if (actual != digest) {
            throw new Damaged("the snapshot hashes to " + Long.toHexString(actual) + ", its stored digest is "
                    + Long.toHexString(digest), null);
        }
        return new LedgerState(seq, lastTimestampMicros, headHash, balances, sum, games, digest, protection);
    }

    /** True when these snapshot bytes hold the protected players (format 4 on): older ones leave them to the log. */
    public static boolean holdsProtections(byte[] snapshot) {
        return snapshot.length > 0 && (snapshot[0] & 0xff) >= 4;
    }
}
