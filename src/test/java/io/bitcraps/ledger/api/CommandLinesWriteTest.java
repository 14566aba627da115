package io.bitcraps.ledger.api;

import io.bitcraps.ledger.codec.SampleEvents;
import io.bitcraps.ledger.domain.Command;
import io.bitcraps.ledger.domain.EventType;
import io.bitcraps.ledger.domain.LedgerEvent;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link CommandLines#line} and {@link CommandLines#atomicLine} write what {@link CommandLines#parse} reads back. */
class CommandLinesWriteTest {
    private static List<LedgerEvent> samples() {
        // EPOCH_STARTED is written by tools/ledger promote, never read from a command line
        return SampleEvents.all().stream().filter(e -> e.type() != EventType.EPOCH_STARTED).toList();
    }

    @Test
    void everyCommandWithAndWithoutItsKeyReadsBackAsItself() throws Exception {
        for (LedgerEvent e : samples()) {
            for (String key : new String[]{null, e.key(), "till-7"}) {
                String line = CommandLines.line(e.command(), key);
                CommandLines.Parsed parsed = CommandLines.parse(line);
                assertThat(parsed.commands()).as(line).containsExactly(e.command());
                assertThat(parsed.atomic()).as(line).isFalse();
                assertThat(parsed.key()).as(line).isEqualTo(key);
            }
        }
    }

    @Test
    void anAtomicLineReadsBackAsItsCommandsInOrder() throws Exception {
        List<Command> commands = samples().stream().map(LedgerEvent::command).distinct().limit(5).toList();
        for (String key : new String[]{null, "till-7"}) {
            String line = CommandLines.atomicLine(commands, key);
            assertThat(line).startsWith("{\"type\":\"atomic\"").doesNotContain("\n");
            CommandLines.Parsed parsed = CommandLines.parse(line);
            assertThat(parsed.commands()).as(line).containsExactlyElementsOf(commands);
            assertThat(parsed.atomic()).isTrue();
            assertThat(parsed.key()).isEqualTo(key);
        }
    }
}
