package dev.switchboard.emulator;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Standalone entry point: {@code java -jar switchboard-emulator.jar [--config file.json]
 * [--port N] [--host H] [--app-secret S] [--webhook-url URL] [--seed N]}. Flags override the
 * config file. Prints the base URL on stdout and runs until killed.
 */
public final class EmulatorMain {
    private EmulatorMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        EmulatorConfig.Builder b = EmulatorConfig.builder().port(8089);
        String configFile = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") || args[i].equals("-c")) {
                configFile = value(args, ++i);
            } else if (args[i].equals("--help") || args[i].equals("-h")) {
                usage();
                return;
            }
        }
        if (configFile != null) {
            b = EmulatorConfig.fromJson(Path.of(configFile)).toBuilder();
        }
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config", "-c" -> i++;
                case "--port", "-p" -> b.port(Integer.parseInt(value(args, ++i)));
                case "--host" -> b.host(value(args, ++i));
                case "--app-secret" -> b.appSecret(value(args, ++i));
                case "--webhook-url" -> b.webhookUrl(value(args, ++i));
                case "--seed" -> b.seed(Long.parseLong(value(args, ++i)));
                default -> {
                    System.err.println("unknown option " + args[i]);
                    usage();
                    System.exit(2);
                }
            }
        }
        Emulator emu = Emulator.start(b.build());
        Runtime.getRuntime().addShutdownHook(new Thread(emu::close, "emulator-shutdown"));
        System.out.println("Switchboard Cloud API emulator listening on " + emu.baseUrl());
        for (EmulatedNumber n : emu.config().numbers()) {
            System.out.println("  number " + n.phoneNumberId() + " waba=" + n.wabaId() + " token=" + n.accessToken()
                    + " ceiling=" + n.ceilingMps() + " mps");
        }
        System.out.println("  webhooks -> " + (emu.config().webhookUrl() == null ? "(none; PUT /_emulator/webhook)" : emu.config().webhookUrl()));
        new CountDownLatch(1).await();
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException("missing value for " + args[i - 1]);
        }
        return args[i];
    }

    private static void usage() {
        System.out.println("usage: EmulatorMain [--config file.json] [--port N] [--host H] [--app-secret S]"
                + " [--webhook-url URL] [--seed N]");
    }
}
