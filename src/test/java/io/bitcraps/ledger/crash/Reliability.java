package io.bitcraps.ledger.crash;

/**
 * One row of docs/reliability.md, printed by a reliability test in a form {@code tools/reliability}
 * collects: {@code RELIABILITY|scenario|runs|what was checked|result}.
 */
public final class Reliability {
    private Reliability() {}

    public static void line(String scenario, long runs, String checked, String result) {
        System.out.println("RELIABILITY|" + scenario.replace('|', '/') + "|" + runs + "|" + checked.replace('|', '/') + "|"
                + result.replace('|', '/'));
    }
}
