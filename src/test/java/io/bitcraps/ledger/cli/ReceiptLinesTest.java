package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.domain.Receipt;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The "ok" receipt is written by hand, not by a JSON generator (it is printed once per committed
 * line); it must be byte for byte what the generator writes, for any key, single or atomic.
 * Random cases, seeded and printed.
 */
class ReceiptLinesTest {
    @Test
    void theHandWrittenOkReceiptIsWhatTheJsonGeneratorWrites() {
        long seed = Long.getLong("receipts.seed", new Random().nextLong());
        System.out.printf("ReceiptLinesTest: seed %d (replay with -Dreceipts.seed=%d)%n", seed, seed);
        Random r = new Random(seed);
        String alphabet = "azAZ09-_.:\"\\/!~{}' \t\u0000\u007f\u00e9\u2028\ud800";
        for (int i = 0; i < 20_000; i++) {
            String key = null;
            if (r.nextInt(4) != 0) {
                StringBuilder k = new StringBuilder();
                int length = 1 + r.nextInt(64);
                boolean ascii = r.nextInt(5) != 0;
                for (int c = 0; c < length; c++) {
                    k.append(alphabet.charAt(r.nextInt(ascii ? 17 : alphabet.length())));
                }
                key = k.toString();
            }
            long first = 1 + (r.nextBoolean() ? r.nextInt(1000) : r.nextLong(Long.MAX_VALUE / 2));
            boolean atomic = r.nextBoolean();
            Receipt receipt = new Receipt(first, atomic ? first + r.nextInt(256) : first, 1_700_000_000_000_000L);
            long line = 1 + r.nextInt(Integer.MAX_VALUE);
            assertThat(IngestCommand.ok(line, key, atomic, receipt)).as("seed %d key %s", seed, key)
                    .isEqualTo(IngestCommand.okByGenerator(line, key, atomic, receipt));
        }
    }
}
