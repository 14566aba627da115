package io.bitcraps.ledger.cli;

import io.bitcraps.ledger.domain.Limits;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LineSource} reads in blocks; the lines it gives must be those of the simple per-character
 * reader it replaced ({@link #referenceLines}): the same text, '\r' before '\n' dropped but counted
 * toward the limit, an overlong line reported by its length, no line after a final '\n'. Random
 * inputs (seeded, printed) around a small limit, read through a reader that returns random short blocks.
 */
class LineSourceTest {
    private static final int CHARS_MAX = 8;

    @Test
    void givesTheLinesOfThePerCharacterReaderForRandomInput() throws IOException {
        long seed = Long.getLong("linesource.seed", new Random().nextLong());
        System.out.printf("LineSourceTest: seed %d (replay with -Dlinesource.seed=%d)%n", seed, seed);
        Random r = new Random(seed);
        char[] alphabet = {'a', 'b', '\n', '\r', '{', 'é'};
        for (int i = 0; i < 5_000; i++) {
            StringBuilder text = new StringBuilder();
            int length = r.nextInt(4 * CHARS_MAX);
            for (int c = 0; c < length; c++) {
                text.append(alphabet[r.nextInt(alphabet.length)]);
            }
            String input = text.toString();
            assertThat(lines(new ChoppyReader(input, r))).as("seed %d input %s", seed, input.replace("\r", "\\r")
                    .replace("\n", "\\n")).isEqualTo(referenceLines(input));
        }
    }

    @Test
    void keepsALineOfExactlyTheLimitAndCountsItsCarriageReturn() throws IOException {
        String fits = "x".repeat(Limits.COMMAND_LINE_CHARS_MAX);
        assertThat(lines(new StringReader(fits + "\n" + fits + "\r\n" + fits)))
                .containsExactly(fits, "overlong " + (Limits.COMMAND_LINE_CHARS_MAX + 1), fits);
    }

    private static List<String> lines(Reader in) throws IOException {
        int charsMax = in instanceof ChoppyReader ? CHARS_MAX : Limits.COMMAND_LINE_CHARS_MAX;
        LineSource source = new LineSource(in, charsMax);
        List<String> out = new ArrayList<>();
        while (source.next()) {
            out.add(source.overlongChars() > 0 ? "overlong " + source.overlongChars()
                    : new String(source.chars(), source.start(), source.length()));
        }
        return out;
    }

    /** The lines as the reader before block reads gave them, one char at a time. */
    private static List<String> referenceLines(String input) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (true) {
            StringBuilder buf = new StringBuilder();
            long length = 0;
            boolean overlong = false;
            boolean eof = false;
            while (true) {
                if (i == input.length()) {
                    eof = true;
                    break;
                }
                char c = input.charAt(i++);
                if (c == '\n') {
                    break;
                }
                length++;
                if (!overlong) {
                    if (buf.length() >= CHARS_MAX) {
                        overlong = true;
                    } else {
                        buf.append(c);
                    }
                }
            }
            if (eof && length == 0) {
                return out;
            }
            if (overlong) {
                out.add("overlong " + length);
            } else {
                int end = buf.length();
                out.add(end > 0 && buf.charAt(end - 1) == '\r' ? buf.substring(0, end - 1) : buf.toString());
            }
            if (eof) {
                return out;
            }
        }
    }

    /** Returns between 1 and 5 chars a call, like a pipe that delivers little at a time. */
    private static final class ChoppyReader extends Reader {
        private final String text;
        private final Random r;
        private int at;

        ChoppyReader(String text, Random r) {
            this.text = text;
            this.r = r;
        }

        @Override
        public int read(char[] cbuf, int off, int len) {
            if (at == text.length()) {
                return -1;
            }
            int n = Math.min(Math.min(len, 1 + r.nextInt(5)), text.length() - at);
            text.getChars(at, at + n, cbuf, off);
            at += n;
            return n;
        }

        @Override
        public void close() {
        }
    }
}
