import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import org.sqlite.SQLiteConfig;

/**
 * One whole-file PRAGMA quick_check in one read snapshot, timed: what the health monitor used to
 * run every 30 s. Used for docs/operations.md "Costs at production size".
 *
 *   java -cp ~/.m2/repository/org/xerial/sqlite-jdbc/3.54.1.0/sqlite-jdbc-3.54.1.0.jar tools/costs/QuickCheck.java DB
 */
public class QuickCheck {
    public static void main(String[] args) throws Exception {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        try (Connection conn = config.createConnection("jdbc:sqlite:" + args[0])) {
            conn.setAutoCommit(false);
            long start = System.nanoTime();
            try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("PRAGMA quick_check")) {
                while (rs.next()) {
                    System.out.println(rs.getString(1));
                }
            }
            conn.rollback();
            System.out.printf("quick_check took %.3f s (one snapshot)%n", (System.nanoTime() - start) / 1e9);
        }
    }
}
