package io.bitcraps.ledger.cli;

import java.io.IOException;
import java.io.Reader;

/**
 * Reads lines with a bound: a line longer than the limit is skipped to its end and reported by
 * length, so a 10 MB line costs a scan, not 10 MB of heap.
 * <p>
 * The reader reads in blocks into one buffer of its own and hands out each line as a range of that
 * buffer ({@link #chars()}, {@link #start()}, {@link #length()}), valid until the next call of
 * {@link #next()}: no String and no copy per line. A line ends at '\n'; one '\r' before it is
 * dropped, but counts toward the limit. Owned by one thread.
 */
final class LineSource {
    private static final int READ_CHARS = 1 << 16;

    private final Reader in;
    private final int charsMax;
    /** Unread input is {@code buf[start, end)}; holds a whole line of {@code charsMax} chars and a block more. */
    private final char[] buf;
    private int start;
    private int end;
    private boolean eof;

    private int lineStart;
    private int lineLength;
    private long overlongChars;

    LineSource(Reader in, int charsMax) {
        this.in = in;
        this.charsMax = charsMax;
        this.buf = new char[charsMax + READ_CHARS];
    }

    /** Moves to the next line; false at the end of input. */
    boolean next() throws IOException {
        long skipped = 0; // chars of an overlong line already dropped
        int scanned = start;
        while (true) {
            int newline = indexOfNewline(scanned, end);
            if (newline >= 0) {
                setLine(start, newline - start, skipped);
                start = newline + 1;
                return true;
            }
            scanned = end;
            if (skipped > 0 || end - start > charsMax) {
                skipped += end - start; // too long already: stop keeping it, go on counting
                start = end;
                scanned = end;
            }
            if (eof) {
                if (skipped == 0 && start == end) {
                    return false;
                }
                setLine(start, end - start, skipped);
                start = end;
                return true;
            }
            scanned -= start;
            fill();
        }
    }

    /** The current line's chars are {@code chars()[start(), start() + length())}; empty when overlong. */
    char[] chars() {
        return buf;
    }

    int start() {
        return lineStart;
    }

    int length() {
        return lineLength;
    }

    /** The length of the current line when it was too long to keep, else 0. */
    long overlongChars() {
        return overlongChars;
    }

    /** The current line as a String (null when overlong); for the rare line that needs it. */
    String text() {
        return overlongChars > 0 ? null : new String(buf, lineStart, lineLength);
    }

    private void setLine(int from, int chars, long skipped) {
        long total = skipped + chars;
        if (total > charsMax) {
            overlongChars = total;
            lineStart = from;
            lineLength = 0;
            return;
        }
        overlongChars = 0;
        lineStart = from;
        lineLength = chars > 0 && buf[from + chars - 1] == '\r' ? chars - 1 : chars;
    }

    private int indexOfNewline(int from, int to) {
        for (int i = from; i < to; i++) {
            if (buf[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Moves the unread chars to the front and reads one block after them; sets eof at the end of input. */
    private void fill() throws IOException {
        if (start > 0) {
            System.arraycopy(buf, start, buf, 0, end - start);
            end -= start;
            start = 0;
        }
        int n = in.read(buf, end, buf.length - end);
        if (n < 0) {
            eof = true;
        } else {
            end += n;
        }
    }
}
