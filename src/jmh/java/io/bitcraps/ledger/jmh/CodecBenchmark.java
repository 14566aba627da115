package io.bitcraps.ledger.jmh;

import io.bitcraps.ledger.codec.ChainHash;
import io.bitcraps.ledger.codec.DecodedPayload;
import io.bitcraps.ledger.codec.EventFrame;
import io.bitcraps.ledger.codec.PayloadCodec;
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.domain.LedgerEvent;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * The writer's per-event CPU work before SQLite (issue 8): the Smile payload of each event type
 * ({@link PayloadCodec#encode}, and {@link PayloadCodec#decode}, which bounds replay and audit
 * speed on one core), and the binary frame ({@link EventFrame#encode}, Chronicle Bytes + CRC32C)
 * followed by one SHA-256 chain step ({@link ChainHash#next}). The writer does encode + frame +
 * hash once per event on its single thread, so their sum caps the events/s of one writer.
 * <p>
 * The events are realistic in size: ids like {@code player-000123}, {@code g-20240611-0042}, the
 * postings the rules would produce (2 for cash movements and bets, 3 for a winning settlement,
 * none for games and rolls), no idempotency key.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {BenchSupport.ADD_OPENS_REFLECT, BenchSupport.ADD_EXPORTS_REF,
        BenchSupport.ADD_EXPORTS_NIO, BenchSupport.NO_ANALYTICS, BenchSupport.SQLITE_TMPDIR, BenchSupport.BENCH_LOG, "-Xmx1g"})
@State(Scope.Thread)
public class CodecBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger(CodecBenchmark.class);

    @Param({"DEPOSITED", "WITHDRAWN", "HOUSE_FUNDED", "GAME_OPENED", "BET_PLACED", "DICE_ROLLED", "BET_SETTLED",
            "GAME_CLOSED"})
    public EventType type;

    private final PayloadCodec codec = new PayloadCodec();
    private final EventFrame frames = new EventFrame();
    private final ChainHash chain = new ChainHash();
    private LedgerEvent event;
    private byte[] payload;
    private byte[] previousHash;

    @Setup(Level.Trial)
    public void setUp() {
        event = sample(type);
        payload = codec.encode(event);
        previousHash = chain.genesis("bench");
        // the decoded payload must round-trip, or the figures measure an error path
        DecodedPayload back = codec.decode(type, payload);
        if (!back.command().equals(event.command()) || !back.postings().equals(event.postings())) {
            throw new IllegalStateException(type + " does not round-trip");
        }
        LOG.info(String.format("%s payload %d bytes, frame %d bytes", type, payload.length,
                payload.length + EventFrame.OVERHEAD_BYTES));
    }

    static LedgerEvent sample(EventType type) {
        BenchSupport.Events ev = new BenchSupport.Events(1_234_566, 1_718_000_000_000_000L);
        String player = "player-000123";
        String game = "g-20240611-0042";
        String bet = "b-000000917";
        return switch (type) {
            case DEPOSITED -> ev.deposit(player, 25_000);
            case WITHDRAWN -> ev.withdraw(player, 20_000);
            case HOUSE_FUNDED -> ev.fundHouse(10_000_000_000L);
            case GAME_OPENED -> ev.openGame(game, "table-07");
            case BET_PLACED -> ev.placeBet(game, bet, player, 500);
            case DICE_ROLLED -> ev.roll(game, 3, 4);
            case BET_SETTLED -> ev.settle(game, bet, player, 500, true);
            case GAME_CLOSED -> ev.closeGame(game);
            case LIMITS_SET -> ev.setLimits(player);
            case PLAYER_EXCLUDED -> ev.selfExclude(player);
            case EPOCH_STARTED -> ev.startEpoch();
        };
    }

    @Benchmark
    public byte[] encode() {
        return codec.encode(event);
    }

    @Benchmark
    public DecodedPayload decode() {
        return codec.decode(type, payload);
    }

    /** Frame the payload, then one chain step over the frame: what the writer does after encoding. */
    @Benchmark
    public byte[] frameAndHash() {
        byte[] frame = frames.encode(type.code(), event.seq(), event.timestampMicros(), payload);
        return chain.next(previousHash, frame);
    }
}
