// The Java reference for bench/: Apache RocketMQ's own DefaultMQProducer (rocketmq-client 5.3.3)
// under the same load shape as bench/load.ts. Run by bench/run.ts, never shipped.
//   java -cp <rocketmq jars>:<classes> RefProducer <namesrv> <topic> <size> <inflight> <sync|async> <warmup> <count>
// Prints one JSON line: sent, failed, elapsedMs, latency percentiles (ms), cpuMs, rssKb.
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
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
    int warmup = Integer.parseInt(args[5]), count = Integer.parseInt(args[6]);
    DefaultMQProducer producer = new DefaultMQProducer("bench-java");
    producer.setNamesrvAddr(namesrv);
    producer.setSendLatencyFaultEnable(true); // as ours, which has it on by default
    producer.start();
    byte[] body = new byte[size];
    for (int i = 0; i < size; i++) body[i] = (byte) ('a' + (i * 7) % 26);
    run(producer, topic, body, inflight, mode, warmup, new long[warmup]);
    long[] latencies = new long[count];
    long cpuBefore = cpu();
    long started = System.nanoTime();
    int failed = run(producer, topic, body, inflight, mode, count, latencies);
    long elapsedNs = System.nanoTime() - started;
    long cpuMs = (cpu() - cpuBefore) / 1_000_000;
    long rssKb = rss();
    producer.shutdown();
    Arrays.sort(latencies);
    System.out.printf("{\"sent\":%d,\"failed\":%d,\"elapsedMs\":%.1f,\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f,\"cpuMs\":%d,\"rssKb\":%d}%n",
      count - failed, failed, elapsedNs / 1e6, latencies[count / 2] / 1e6, latencies[(int) (count * 0.99)] / 1e6,
      latencies[count - 1] / 1e6, cpuMs, rssKb);
    System.exit(0);
  }

  static int run(DefaultMQProducer producer, String topic, byte[] body, int inflight, String mode, int count, long[] latencies) throws Exception {
    AtomicInteger next = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    if (mode.equals("sync")) {
      Thread[] workers = new Thread[inflight];
      for (int w = 0; w < inflight; w++) {
        workers[w] = new Thread(() -> {
          for (int i; (i = next.getAndIncrement()) < count; ) {
            long t0 = System.nanoTime();
            try { producer.send(new Message(topic, body)); } catch (Exception e) { failed.incrementAndGet(); }
            latencies[i] = System.nanoTime() - t0;
          }
        });
        workers[w].start();
      }
      for (Thread t : workers) t.join();
    } else {
      Semaphore permits = new Semaphore(inflight);
      CountDownLatch done = new CountDownLatch(count);
      for (int i = 0; i < count; i++) {
        permits.acquire();
        final int index = i;
        final long t0 = System.nanoTime();
        producer.send(new Message(topic, body), new SendCallback() {
          public void onSuccess(SendResult r) { latencies[index] = System.nanoTime() - t0; permits.release(); done.countDown(); }
          public void onException(Throwable e) { latencies[index] = System.nanoTime() - t0; failed.incrementAndGet(); permits.release(); done.countDown(); }
        });
      }
      done.await();
    }
    return failed.get();
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
