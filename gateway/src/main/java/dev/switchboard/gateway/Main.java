package dev.switchboard.gateway;

import dev.switchboard.gateway.config.ConfigLoader;
import dev.switchboard.gateway.config.SwitchboardConfig;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar switchboard.jar [--config FILE]}. Without a file (and without
 * {@code SWITCHBOARD_CONFIG}) it starts the bundled demo: SQLite under {@code ./data}, the
 * built-in Cloud API emulator, and a demo tenant with two channels.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
        Map<String, String> env = System.getenv();
        String file = args.length >= 2 && "--config".equals(args[0]) ? args[1] : env.get("SWITCHBOARD_CONFIG");
        SwitchboardConfig config;
        boolean demo = file == null;
        try {
        if (demo) {
            try (InputStream in = Main.class.getResourceAsStream("/switchboard-demo.json")) {
                config = ConfigLoader.load(in, env);
            }
        } else {
            if (!Files.exists(Path.of(file))) {
                System.err.println("configuration file not found: " + file);
                System.exit(2);
            }
            config = ConfigLoader.load(Path.of(file), env);
        }
        } catch (IllegalArgumentException e) {
            System.err.println("Switchboard: " + e.getMessage());
            System.exit(2);
            return;
        }
        Node node;
        try {
            node = Node.start(config);
        } catch (RuntimeException | Error e) { // an Error too: a half-started node must not linger without its port
            System.err.println("Switchboard could not start: " + e);
            org.slf4j.LoggerFactory.getLogger(Main.class).error("start-up failed", e);
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "shutdown"));
        if (demo || config.emulator().enabled()) {
            System.out.println(Banner.text(config, node, demo));
        }
        new CountDownLatch(1).await();
    }
}
