// Which topics callers from outside (an HTTP request, an SQS record) may name. Two rules, checked
// before anything is sent:
// - reserved names are refused whatever the allowlist says: names with "%" (retry "%RETRY%g",
//   dead-letter "%DLQ%g", light queues "%LMQ%", another namespace's "ns%topic") and reply topics
//   ("<cluster>_REPLY_TOPIC"), system topics ("RMQ_SYS_*", any case); broker and cluster names are refused by the producer, which knows
//   them from the route (SendOptions.refuseClusterTopics);
// - the allowlist (ALLOWED_TOPICS): exact names and "*" patterns. Unset means no topic: a function
//   publishes nowhere until its operator says where (the bridge's TARGET_TOPIC counts as named).

export interface TopicRefusal {
  code: 'TOPIC_RESERVED' | 'TOPIC_NOT_ALLOWED';
  message: string;
}

export interface TopicPolicy {
  /** Why `topic` may not be published to from outside, or undefined when it may. */
  refusal(topic: string): TopicRefusal | undefined;
}

const PATTERN = /^[|a-zA-Z0-9_*-]{1,127}$/;

/** Checks the entries of ALLOWED_TOPICS; returns the bad one's complaint, or undefined. */
export function allowlistProblem(entries: readonly string[]): string | undefined {
  const bad = entries.find((entry) => !PATTERN.test(entry));
  return bad === undefined ? undefined : `"${bad}" is neither a topic name nor a pattern of [|a-zA-Z0-9_-] and *`;
}

export function parseAllowlist(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/** A line break: what a * never stood for (it was a regular expression's .*). */
const hasLineBreak = (topic: string) => topic.includes('\n') || topic.includes('\r') || topic.includes('\u2028') || topic.includes('\u2029');

/**
 * An entry of ALLOWED_TOPICS as a test: a name matches itself; in a pattern each * stands for any
 * run of characters but a line break. By string search, not a regular expression: it runs on every
 * request, and V8 compiles a regular expression on its second run, the first event's after the
 * init phase's warm-up.
 */
function matcher(entry: string): (topic: string) => boolean {
  if (!entry.includes('*')) return (topic) => topic === entry;
  const parts = entry.split('*');
  const head = parts[0]!;
  const tail = parts[parts.length - 1]!;
  const middle = parts.slice(1, -1).filter(Boolean);
  return (topic) => {
    if (topic.length < head.length + tail.length || !topic.startsWith(head) || !topic.endsWith(tail) || hasLineBreak(topic)) return false;
    // Each part between two * at its first place after the one before: if any fits, that one does.
    const end = topic.length - tail.length;
    let at = head.length;
    for (const part of middle) {
      const found = topic.indexOf(part, at);
      if (found < 0 || found + part.length > end) return false;
      at = found + part.length;
    }
    return true;
  };
}

export function reservedReason(topic: string): string | undefined {
  if (topic.includes('%')) return `"${topic}" contains "%": retry, dead-letter and namespaced names are not published to from outside`;
  if (topic.endsWith('_REPLY_TOPIC')) return `"${topic}" is a request-reply topic`;
  // A prefix compared, not a regular expression, for the reason matcher gives.
  if (topic.slice(0, 8).toLowerCase() === 'rmq_sys_') return `"${topic}" is a system topic`;
  return undefined;
}

/** `allowed`: ALLOWED_TOPICS entries; `named`: topics the operator configured elsewhere (TARGET_TOPIC). */
export function topicPolicy(allowed: readonly string[], named: readonly string[] = []): TopicPolicy {
  // Named topics (TARGET_TOPIC) are matched exactly: they are names, not patterns.
  const matchers = [...allowed.map(matcher), ...named.map((name) => (topic: string) => topic === name)];
  return {
    refusal(topic) {
      const reserved = reservedReason(topic);
      if (reserved) return { code: 'TOPIC_RESERVED', message: reserved };
      if (matchers.some((matches) => matches(topic))) return undefined;
      return {
        code: 'TOPIC_NOT_ALLOWED',
        message: allowed.length === 0 ? 'ALLOWED_TOPICS is not set: this function publishes to no topic until it is' : `"${topic}" is not in ALLOWED_TOPICS`,
      };
    },
  };
}
