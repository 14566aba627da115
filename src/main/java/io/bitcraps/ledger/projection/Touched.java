package io.bitcraps.ledger.projection;

import java.util.Set;

/** The accounts, games, players and tables one commit changed. */
public record Touched(Set<String> accounts, Set<String> games, Set<String> players, Set<String> tables) {
    public static final Touched NOTHING = new Touched(Set.of(), Set.of(), Set.of(), Set.of());
}
