package io.bitcraps.ledger.cli;

import java.io.IOException;
import java.io.Reader;

/**
 * Reads lines with a bound: a line longer than the limit is skipped to its end and reported by
 * length, so a 10 MB line costs a scan, not 10 MB of heap.
 */
final class LineSource {
    /** A line as read: its text, or null with the length when it was too long to keep. */
    record Line(String text, long overlongChars) {}

    private final Reader in;
    private final int charsMax;
    private final StringBuilder buf = new StringBuilder();
    private boolean eof;

    LineSource(Reader in, int charsMax) {
        this.in = in;
        this.charsMax = charsMax;
    }

    /** The next line without its terminator, or null at the end of input. */
    Line next() throws IOException {
        if (eof) {
            return null;
        }
        buf.setLength(0);
        long length = 0;
        boolean overlong = false;
        while (true) {
            int c = in.read();
            if (c == -1) {
                eof = true;
                if (length == 0) {
                    return null;
                }
                break;
            }
            if (c == '\n') {
                break;
            }
            length++;
            if (!overlong) {
                if (buf.length() >= charsMax) {
                    overlong = true;
                    buf.setLength(0);
                } else {
                    buf.append((char) c);
                }
            }
        }
        if (overlong) {
            return new Line(null, length);
        }
        int end = buf.length();
        if (end > 0 && buf.charAt(end - 1) == '\r') {
            buf.setLength(end - 1);
        }
        return new Line(buf.toString(), 0);
    }
}
