package io.bitcraps.ledger.craps;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The fair-dice derivation against vectors computed apart from this code (Python's hmac and
 * hashlib, the ten lines of {@code docs/fairness.md}), including a roll whose bytes must be
 * skipped; and the faces come out evenly over many nonces.
 */
class FairDiceTest {
    private static final byte[] SEED = FairDice.parseSeed("7f3c1e9a0b2d4c6e8f1a3b5c7d9e0f21436587a9cbed0f1032547698badcfe10");

    @Test
    void theCommitmentIsTheSha256OfTheSeedBytes() {
        assertThat(FairDice.commitment(SEED)).isEqualTo("7e2fd5891809508f6bdbc7de00736ab09782f9f9426bd27eff34d93d6747deba");
        assertThat(FairDice.isCommitment(FairDice.commitment(SEED))).isTrue();
    }

    @Test
    void theDiceMatchTheWorkedExample() {
        assertThat(FairDice.dice(SEED, "player-lucky-7", 0)).isEqualTo(Roll.of(3, 4));
        assertThat(FairDice.dice(SEED, "player-lucky-7", 1)).isEqualTo(Roll.of(6, 4));
        assertThat(FairDice.dice(SEED, "player-lucky-7", 3)).isEqualTo(Roll.of(6, 6));
        // HMAC bytes ff d6 fe 98: 255 and 254 are skipped, 214 % 6 + 1 = 5, 152 % 6 + 1 = 3
        assertThat(FairDice.dice(SEED, "player-lucky-7", 132)).isEqualTo(Roll.of(5, 3));
    }

    @Test
    void eachFaceComesUpAboutASixthOfTheTime() {
        int[] faces = new int[7];
        int rolls = 36_000;
        for (int n = 0; n < rolls; n++) {
            Roll r = FairDice.dice(SEED, "fairness", n);
            faces[r.die1()]++;
            faces[r.die2()]++;
        }
        for (int face = 1; face <= 6; face++) {
            // 12,000 expected of 72,000 dice; five standard deviations is about 500 (a fixed seed: no flakiness)
            assertThat(faces[face]).as("face %d", face).isBetween(11_500, 12_500);
        }
    }

    @Test
    void aSeedIsSixtyFourLowerCaseHexDigits() {
        assertThatThrownBy(() -> FairDice.parseSeed("7F3C" + "0".repeat(60))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FairDice.parseSeed("abc")).isInstanceOf(IllegalArgumentException.class);
        assertThat(FairDice.isCommitment("A".repeat(64))).isFalse();
    }
}
