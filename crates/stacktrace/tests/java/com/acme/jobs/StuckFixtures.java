package com.acme.jobs;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;

/**
 * Stuck tasks for the thread-dump fixtures of tests/data/threads: one scenario
 * per run, on a thread named like a Flink task thread. `jstack PID` gives the
 * text fixtures; with a second argument `json` the program prints Flink's
 * /taskmanagers/:id/thread-dump JSON (ThreadInfo.toString per thread) itself.
 *
 *   javac -d /tmp/sf com/acme/jobs/StuckFixtures.java
 *   java -cp /tmp/sf com.acme.jobs.StuckFixtures deadlock &  jstack $!
 */
public class StuckFixtures {
    static final Object ORDERS = new Object();
    static final Object INVENTORY = new Object();
    static volatile long sink;

    static void lockOrdersThenInventory() throws InterruptedException {
        synchronized (ORDERS) {
            Thread.sleep(200);
            synchronized (INVENTORY) {
                sink++;
            }
        }
    }

    static void lockInventoryThenOrders() throws InterruptedException {
        synchronized (INVENTORY) {
            Thread.sleep(200);
            synchronized (ORDERS) {
                sink++;
            }
        }
    }

    static void retryWithSleep() throws InterruptedException {
        while (true) {
            Thread.sleep(60_000);
        }
    }

    static void readReply(int port) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            InputStream in = s.getInputStream();
            sink += in.read();
        }
    }

    static void awaitLookup(CompletableFuture<String> f) throws Exception {
        sink += f.get().length();
    }

    static long spin() {
        long x = 1;
        while (true) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            if (x == 42) return x;
        }
    }

    interface Body { void run() throws Exception; }

    static Thread start(String name, Body body) {
        Thread t = new Thread(() -> {
            try { body.run(); } catch (Exception e) { throw new RuntimeException(e); }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    public static void main(String[] args) throws Exception {
        String scenario = args[0];
        switch (scenario) {
            case "deadlock" -> {
                start("Map -> Filter (1/2)#0", StuckFixtures::lockOrdersThenInventory);
                start("inventory-refresher", StuckFixtures::lockInventoryThenOrders);
            }
            case "sleep" -> start("Sink: retrying sink (1/1)#0", StuckFixtures::retryWithSleep);
            case "socket" -> {
                ServerSocket server = new ServerSocket(0);
                start("Async lookup -> Map (2/4)#1", () -> readReply(server.getLocalPort()));
            }
            case "future" -> {
                CompletableFuture<String> never = new CompletableFuture<>();
                start("Process -> Sink (1/1)#0", () -> awaitLookup(never));
            }
            case "spin" -> start("Window(Tumbling) (3/8)#0", () -> { sink = spin(); });
            default -> throw new IllegalArgumentException(scenario);
        }
        Thread.sleep(1500);
        if (args.length > 1 && args[1].equals("json")) {
            printFlinkJson();
            return;
        }
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(600_000);
    }

    static void printFlinkJson() {
        StringBuilder out = new StringBuilder("{\"threadInfos\":[");
        boolean first = true;
        for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            if (!first) out.append(',');
            first = false;
            out.append("{\"threadName\":").append(quote(info.getThreadName()))
               .append(",\"stringifiedThreadInfo\":").append(quote(info.toString())).append('}');
        }
        System.out.println(out.append("]}"));
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> { if (c < 0x20) b.append(String.format("\\u%04x", (int) c)); else b.append(c); }
            }
        }
        return b.append('"').toString();
    }
}
