package io.bitcraps.ledger.internal;

import java.util.HexFormat;

/** Lower-case hex, the one spelling used for hashes in exports, manifests and reports. */
public final class Hex {
    private static final HexFormat FORMAT = HexFormat.of();

    private Hex() {}

    public static String of(byte[] bytes) {
        return FORMAT.formatHex(bytes);
    }

    public static byte[] parse(String hex) {
        return FORMAT.parseHex(hex);
    }
}
