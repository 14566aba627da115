import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Exits 0 once the broker at args[0] answers a cluster description (its controller elected, its
 * listener serving), 1 if it does not within args[1] seconds. Run by tools/kafka as a single-file
 * program on the broker's classpath, so that "start" returns only when the broker is ready.
 */
public class Ready {
    public static void main(String[] args) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[1]));
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
        try (Admin admin = Admin.create(p)) {
            while (System.nanoTime() < deadline) {
                try {
                    if (!admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
                        System.exit(0);
                    }
                } catch (Exception notYet) {
                    Thread.sleep(200);
                }
            }
        }
        System.exit(1);
    }
}
