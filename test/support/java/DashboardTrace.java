// What the RocketMQ Dashboard shows for a message's trace, computed by the same client code it
// runs: the trace topic queried by the message id as key (QUERY_MESSAGE through DefaultMQAdminExt),
// each trace message decoded by TraceView.decodeFromTraceTransData, plus the raw fields of
// TraceDataEncoder.decoderFromTraceDataString the view leaves out. Test support, never shipped.
//   java -cp <rocketmq jars> DashboardTrace.java query <namesrv> <traceTopic> <msgId>...
//     one JSON line per trace record found
//   java -cp <rocketmq jars> DashboardTrace.java send <namesrv> <topic> <tags> <key>
//     the Java producer with enableMsgTrace sends one message; prints its msgId
import java.util.List;
import org.apache.rocketmq.client.QueryResult;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.trace.TraceBean;
import org.apache.rocketmq.client.trace.TraceContext;
import org.apache.rocketmq.client.trace.TraceDataEncoder;
import org.apache.rocketmq.client.trace.TraceView;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

public class DashboardTrace {
  public static void main(String[] args) throws Exception {
    if (args[0].equals("send")) send(args);
    else query(args);
    System.exit(0);
  }

  static void send(String[] args) throws Exception {
    DefaultMQProducer producer = new DefaultMQProducer("java-traced", true, null);
    producer.setNamesrvAddr(args[1]);
    producer.start();
    SendResult result = producer.send(new Message(args[2], args[3], args[4], "from the Java client".getBytes("UTF-8")));
    System.out.println(result.getMsgId());
    Thread.sleep(6000); // the trace dispatcher sends from its own thread
    producer.shutdown();
  }

  static void query(String[] args) throws Exception {
    DefaultMQAdminExt admin = new DefaultMQAdminExt();
    admin.setNamesrvAddr(args[1]);
    admin.setInstanceName("dashboard-trace-" + System.nanoTime());
    admin.start();
    try {
      for (int i = 3; i < args.length; i++) {
        String msgId = args[i];
        // The broker indexes keys shortly after storing: ask again for up to 10 s.
        List<MessageExt> messages = List.of();
        for (long until = System.currentTimeMillis() + 10_000; messages.isEmpty() && System.currentTimeMillis() < until; Thread.sleep(200)) {
          try {
            QueryResult found = admin.queryMessage(args[2], msgId, 64, 0, Long.MAX_VALUE);
            messages = found.getMessageList();
          } catch (Exception notYet) {
            messages = List.of();
          }
        }
        for (MessageExt message : messages) {
          List<TraceView> views = TraceView.decodeFromTraceTransData(msgId, message);
          List<TraceContext> contexts = TraceDataEncoder.decoderFromTraceDataString(new String(message.getBody(), "UTF-8"));
          for (TraceView view : views) {
            TraceContext context = null;
            for (TraceContext c : contexts) if (c.getTraceBeans().get(0).getMsgId().equals(msgId) && c.getTraceType().name().equals(view.getMsgType())) context = c;
            TraceBean bean = context.getTraceBeans().get(0);
            StringBuilder json = new StringBuilder("{");
            field(json, "traceType", view.getMsgType());
            field(json, "msgId", view.getMsgId());
            field(json, "topic", view.getTopic());
            field(json, "groupName", view.getGroupName());
            field(json, "tags", view.getTags());
            field(json, "keys", view.getKeys());
            field(json, "storeHost", view.getStoreHost());
            field(json, "clientHost", view.getClientHost());
            field(json, "status", view.getStatus());
            field(json, "offsetMsgId", view.getOffSetMsgId());
            field(json, "regionId", context.getRegionId());
            field(json, "messageType", bean.getMsgType() == null ? null : bean.getMsgType().name());
            field(json, "transactionId", bean.getTransactionId());
            field(json, "transactionState", bean.getTransactionState() == null ? null : bean.getTransactionState().name());
            json.append("\"fromTransactionCheck\":").append(bean.isFromTransactionCheck()).append(',');
            json.append("\"bodyLength\":").append(bean.getBodyLength()).append(',');
            json.append("\"costTime\":").append(view.getCostTime()).append(',');
            json.append("\"timeStamp\":").append(view.getTimeStamp()).append(',');
            json.append("\"traceMessageKeys\":\"").append(escape(message.getKeys())).append("\"}");
            System.out.println(json);
          }
        }
      }
    } finally {
      admin.shutdown();
    }
  }

  static void field(StringBuilder json, String name, String value) {
    json.append('"').append(name).append("\":");
    if (value == null) json.append("null");
    else json.append('"').append(escape(value)).append('"');
    json.append(',');
  }

  static String escape(String value) {
    StringBuilder out = new StringBuilder();
    for (char c : value.toCharArray()) {
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    return out.toString();
  }
}
