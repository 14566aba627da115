package io.bitcraps.ledger.codec;

import io.bitcraps.ledger.craps.TableRules;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.EventType;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.smile.SmileMapper;
import tools.jackson.dataformat.smile.SmileWriteFeature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * GAME_OPENED went from version 1 to 2 when games started to record their table rules. A version
 * 1 payload, as databases written before hold it, still decodes: the upcaster lifts it to the
 * standard table's rules, which is what those games were played under.
 */
class UpcasterTest {
    private static final SmileMapper SMILE = SmileMapper.builder().disable(SmileWriteFeature.WRITE_HEADER).build();
    private final PayloadCodec codec = new PayloadCodec();

    private static ObjectNode gameOpened(int version) {
        ObjectNode n = SMILE.createObjectNode();
        n.put("v", version);
        n.put("game", "g1");
        n.put("table", "t1");
        n.putArray("postings");
        return n;
    }

    @Test
    void aVersionOneGameOpeningIsLiftedToTheStandardRules() {
        DecodedPayload p = codec.decode(EventType.GAME_OPENED, SMILE.writeValueAsBytes(gameOpened(1)));
        assertThat(p.command()).isEqualTo(new Command.OpenGame("g1", "t1", Command.OpenGame.STANDARD_RULES));
    }

    @Test
    void versionTwoCarriesItsRulesAndVersionOneMayNot() {
        ObjectNode v2 = gameOpened(2);
        v2.put("rules", "field12=2;placeWorksOnComeOut=true;maxOdds=2;min=1;max=100");
        assertThat(((Command.OpenGame) codec.decode(EventType.GAME_OPENED, SMILE.writeValueAsBytes(v2)).command()).rules())
                .isEqualTo("field12=2;placeWorksOnComeOut=true;maxOdds=2;min=1;max=100");
        ObjectNode v2WithoutRules = gameOpened(2);
        assertThatThrownBy(() -> codec.decode(EventType.GAME_OPENED, SMILE.writeValueAsBytes(v2WithoutRules)))
                .isInstanceOf(PayloadException.class).hasMessageContaining("needs \"rules\"");
        ObjectNode v1WithRules = gameOpened(1);
        v1WithRules.put("rules", "x");
        assertThatThrownBy(() -> codec.decode(EventType.GAME_OPENED, SMILE.writeValueAsBytes(v1WithRules)))
                .isInstanceOf(PayloadException.class).hasMessageContaining("version 1 has no");
        assertThatThrownBy(() -> codec.decode(EventType.GAME_OPENED, SMILE.writeValueAsBytes(gameOpened(3))))
                .isInstanceOf(PayloadException.class).hasMessageContaining("not known");
    }

    @Test
    void theDomainsStandardRulesAreTheRulebooksStandardTable() {
        assertThat(Command.OpenGame.STANDARD_RULES).isEqualTo(TableRules.standard().canonical());
    }
}
