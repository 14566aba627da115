package io.bitcraps.ledger.craps;

/** Thrown when asked to place or resolve a bet that {@link Rulebook#validatePlacement} refuses. */
public final class InvalidPlacementException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient PlacementError error;

    public InvalidPlacementException(PlacementError error) {
        super(error.toString());
        this.error = error;
    }

    public PlacementError error() {
        return error;
    }
}
