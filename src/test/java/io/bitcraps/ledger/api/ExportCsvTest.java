package io.bitcraps.ledger.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** CSV cells: RFC 4180 quoting, and free text that a spreadsheet would run as a formula opened as text. */
class ExportCsvTest {
    @ParameterizedTest
    @ValueSource(strings = {"=HYPERLINK(\"http://x\",\"y\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\tx",
            "\r=1", "=1,2"})
    void aCellASpreadsheetWouldRunAsAFormulaOpensAsText(String cell) {
        String out = EventLines.csvCell(cell);
        assertThat(out).startsWith("\"'").endsWith("\"");
        // read back as RFC 4180: strip the quotes, undouble; what remains is the apostrophe and the text
        String read = out.substring(1, out.length() - 1).replace("\"\"", "\"");
        assertThat(read).isEqualTo("'" + cell);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-500", "+7", "0", "1234567890", "alice", "cash-1", "a=b", "x@y"})
    void numbersAndOrdinaryTextStayAsTheyAre(String cell) {
        assertThat(EventLines.csvCell(cell)).isEqualTo(cell);
    }

    @Test
    void commasQuotesAndLineBreaksAreQuoted() {
        assertThat(EventLines.csvCell("a,b")).isEqualTo("\"a,b\"");
        assertThat(EventLines.csvCell("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
        assertThat(EventLines.csvCell("two\nlines")).isEqualTo("\"two\nlines\"");
    }
}
