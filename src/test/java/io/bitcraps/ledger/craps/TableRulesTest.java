package io.bitcraps.ledger.craps;

import io.bitcraps.ledger.domain.Limits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.quicktheories.core.Gen;

import java.security.SecureRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.Generate.booleans;
import static org.quicktheories.generators.Generate.longRange;
import static org.quicktheories.generators.Generate.pick;
import static org.quicktheories.generators.Generate.range;

/** The table rules and their canonical string, which a game records and an audit reads back. */
class TableRulesTest {

    @Test
    void theStandardTable() {
        TableRules std = TableRules.standard();
        assertThat(std.canonical()).isEqualTo("field12=3;placeWorksOnComeOut=false;maxOdds=3-4-5;min=5;max=5000");
        assertThat(std.maxOddsMultiple(4)).isEqualTo(3);
        assertThat(std.maxOddsMultiple(10)).isEqualTo(3);
        assertThat(std.maxOddsMultiple(5)).isEqualTo(4);
        assertThat(std.maxOddsMultiple(9)).isEqualTo(4);
        assertThat(std.maxOddsMultiple(6)).isEqualTo(5);
        assertThat(std.maxOddsMultiple(8)).isEqualTo(5);
        assertThat(TableRules.parse(std.canonical())).isEqualTo(std);
        assertThat(std).hasToString(std.canonical());
    }

    @Test
    void aFlatOddsTableWritesItsMultipleOnce() {
        TableRules r = TableRules.withFlatOdds(2, true, 10, 1, 100);
        assertThat(r.canonical()).isEqualTo("field12=2;placeWorksOnComeOut=true;maxOdds=10;min=1;max=100");
        assertThat(TableRules.parse(r.canonical())).isEqualTo(r);
    }

    @Test
    void everyValidRuleSetRoundTripsThroughItsCanonicalString() {
        long seed = Long.getLong("craps.seed", new SecureRandom().nextLong());
        System.out.println("TableRulesTest seed " + seed + " (replay: -Dcraps.seed=" + seed + ")");
        Gen<Integer> multiple = pick(java.util.List.of(0, 1, 2, 3, 4, 5, 10, 20, 100)).mix(range(0, 100));
        Gen<TableRules> rules = in -> {
            long min = longRange(1, 1000).mix(longRange(1, Limits.AMOUNT_MAX)).generate(in);
            long max = longRange(min, Limits.AMOUNT_MAX).generate(in);
            return new TableRules(range(2, 3).generate(in), booleans().generate(in), multiple.generate(in),
                    multiple.generate(in), multiple.generate(in), min, max);
        };
        qt().withFixedSeed(seed).withExamples(2000).forAll(rules).checkAssert(r -> {
            String text = r.canonical();
            assertThat(TableRules.parse(text)).isEqualTo(r);
            assertThat(TableRules.parse(text).canonical()).isEqualTo(text);
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "field12=3;placeWorksOnComeOut=false;maxOdds=3-4-5;min=5",
            "field12=3;placeWorksOnComeOut=false;maxOdds=3-4-5;min=5;max=5000;",
            "field12=3;placeWorksOnComeOut=false;maxOdds=3-4-5;min=5;max=5000;extra=1",
            "placeWorksOnComeOut=false;field12=3;maxOdds=3-4-5;min=5;max=5000",
            "field12=3; placeWorksOnComeOut=false;maxOdds=3-4-5;min=5;max=5000",
            "field12=3;placeWorksOnComeOut=FALSE;maxOdds=3-4-5;min=5;max=5000",
            "field12=3;placeWorksOnComeOut=false;maxOdds=3-3-3;min=5;max=5000",
            "field12=3;placeWorksOnComeOut=false;maxOdds=3-4;min=5;max=5000",
            "field12=3;placeWorksOnComeOut=false;maxOdds=3-4-5;min=05;max=5000",
            "field12=3;placeWorksOnComeOut=false;maxOdds=3-4-5;min=+5;max=5000",
            "field12=3;placeWorksOnComeOut=false;maxOdds=3-4-5;min=-5;max=5000",
            "field12=4;placeWorksOnComeOut=false;maxOdds=3-4-5;min=5;max=5000",
            "field12=3;placeWorksOnComeOut=false;maxOdds=101;min=5;max=5000",
            "field12=3;placeWorksOnComeOut=false;maxOdds=3-4-5;min=0;max=5000",
            "field12=3;placeWorksOnComeOut=false;maxOdds=3-4-5;min=50;max=5",
            "field12=3;placeWorksOnComeOut=false;maxOdds=3-4-5;min=5;max=1000000000001",
            "field12=3;placeWorksOnComeOut=false;maxOdds=3-4-5;min=5;max=99999999999999999999",
            "field12=3;placeWorksOnComeOut=false;maxOdds=99999999999;min=5;max=5000",
    })
    void anythingButTheCanonicalFormIsRefused(String text) {
        assertThatThrownBy(() -> TableRules.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theConstructorRefusesTablesThatCannotBe() {
        assertThatThrownBy(() -> new TableRules(1, false, 3, 4, 5, 5, 5000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TableRules(3, false, -1, 4, 5, 5, 5000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TableRules(3, false, 3, 4, 101, 5, 5000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TableRules(3, false, 3, 4, 5, 0, 5000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TableRules(3, false, 3, 4, 5, 10, 9)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TableRules(3, false, 3, 4, 5, 5, Limits.AMOUNT_MAX + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TableRules.standard().maxOddsMultiple(7)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TableRules.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
