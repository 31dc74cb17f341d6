// The Java reference for bench/: Apache RocketMQ's own DefaultMQProducer (rocketmq-client 5.3.3)
// under the same load shape as bench/load.ts. Run by bench/run.ts, never shipped.
//   java -cp <rocketmq jars>:<classes> RefProducer <namesrv> <topic> <size> <inflight> <sync|async> <warmupMs> <measureMs>
// Sends for a fixed time: a warm-up (JIT included, not measured), then the measured window; a send
// counts when it started inside the window. Settings a Java user has by default (3 s send timeout,
// 2 retries) with latency fault tolerance on, as ours has it; the JVM runs with the machine's
// default flags, printed with the result. Prints one JSON line: sent, failed, elapsedMs, latency
// percentiles (ms), cpuMs, rssKb, jvm.
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;

public class RefProducer {
  public static void main(String[] args) throws Exception {
    String namesrv = args[0], topic = args[1], mode = args[4];
    int size = Integer.parseInt(args[2]), inflight = Integer.parseInt(args[3]);
    long warmupMs = Long.parseLong(args[5]), measureMs = Long.parseLong(args[6]);
    DefaultMQProducer producer = new DefaultMQProducer("bench-java");
    producer.setNamesrvAddr(namesrv);
    producer.setSendMsgTimeout(3000);
    producer.setRetryTimesWhenSendFailed(2);
    producer.setSendLatencyFaultEnable(true); // as ours, which has it on by default
    producer.start();
    byte[] body = new byte[size];
    for (int i = 0; i < size; i++) body[i] = (byte) ('a' + (i * 7) % 26);
    run(producer, topic, body, inflight, mode, System.currentTimeMillis() + warmupMs, new ArrayList<>(), new AtomicInteger());
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>(1 << 20));
    AtomicInteger failed = new AtomicInteger();
    long cpuBefore = cpu();
    long started = System.nanoTime();
    run(producer, topic, body, inflight, mode, System.currentTimeMillis() + measureMs, latencies, failed);
    long elapsedNs = System.nanoTime() - started;
    long cpuMs = (cpu() - cpuBefore) / 1_000_000;
    long rssKb = rss();
    producer.shutdown();
    List<Long> sorted = new ArrayList<>(latencies);
    Collections.sort(sorted);
    int count = sorted.size();
    System.out.printf("{\"sent\":%d,\"failed\":%d,\"elapsedMs\":%.1f,\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f,\"cpuMs\":%d,\"rssKb\":%d,\"jvm\":%s}%n",
      count - failed.get(), failed.get(), elapsedNs / 1e6, sorted.get(count / 2) / 1e6, sorted.get((int) (count * 0.99)) / 1e6,
      sorted.get(count - 1) / 1e6, cpuMs, rssKb, jvm());
    System.exit(0);
  }

  /** Sends until `until`; records the latency of every send started before it. */
  static void run(DefaultMQProducer producer, String topic, byte[] body, int inflight, String mode, long until, List<Long> latencies, AtomicInteger failed)
      throws Exception {
    if (mode.equals("sync")) {
      Thread[] workers = new Thread[inflight];
      for (int w = 0; w < inflight; w++) {
        workers[w] = new Thread(() -> {
          while (System.currentTimeMillis() < until) {
            long t0 = System.nanoTime();
            try { producer.send(new Message(topic, body)); } catch (Exception e) { failed.incrementAndGet(); }
            latencies.add(System.nanoTime() - t0);
          }
        });
        workers[w].start();
      }
      for (Thread t : workers) t.join();
    } else {
      Semaphore permits = new Semaphore(inflight);
      while (System.currentTimeMillis() < until) {
        permits.acquire();
        final long t0 = System.nanoTime();
        producer.send(new Message(topic, body), new SendCallback() {
          public void onSuccess(SendResult r) { latencies.add(System.nanoTime() - t0); permits.release(); }
          public void onException(Throwable e) { latencies.add(System.nanoTime() - t0); failed.incrementAndGet(); permits.release(); }
        });
      }
      permits.acquire(inflight); // every send started in the window has been answered
      permits.release(inflight);
    }
  }

  /** The JVM as it ran: version, flags given and chosen by ergonomics, collector, heap. */
  static String jvm() {
    java.lang.management.RuntimeMXBean runtime = ManagementFactory.getRuntimeMXBean();
    StringBuilder gcs = new StringBuilder();
    for (java.lang.management.GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      gcs.append(gcs.length() == 0 ? "" : ", ").append(gc.getName());
    }
    return String.format("{\"version\":\"%s\",\"flags\":\"%s\",\"gc\":\"%s\",\"maxHeapMb\":%d,\"processors\":%d}",
      System.getProperty("java.vm.version"), String.join(" ", runtime.getInputArguments()), gcs,
      Runtime.getRuntime().maxMemory() / (1024 * 1024), Runtime.getRuntime().availableProcessors());
  }

  static long cpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  static long rss() throws Exception {
    for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }
    return -1;
  }
}
