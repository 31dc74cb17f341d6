// Which topics outside callers may name: the allowlist's patterns, the names it can never open,
// and TARGET_TOPIC taken as a name, not a pattern.
import { describe, expect, it } from 'vitest';
import { allowlistProblem, parseAllowlist, topicPolicy } from '../../lib/internal.ts';

describe('topic policy', () => {
  it('allows exact names and * patterns, and nothing when the list is empty', () => {
    const policy = topicPolicy(parseAllowlist(' orders , audit-* ,a|b'));

    expect(['orders', 'audit-eu', 'audit-', 'a|b'].map((t) => policy.refusal(t))).toEqual([undefined, undefined, undefined, undefined]);
    expect(['order', 'ordersX', 'xaudit-1', 'a'].map((t) => policy.refusal(t)?.code)).toEqual(Array(4).fill('TOPIC_NOT_ALLOWED'));
    expect(topicPolicy([]).refusal('orders')?.message).toMatch(/ALLOWED_TOPICS is not set/);
  });

  it('never opens retry, dead-letter, namespaced, reply or system topics, even to "*"', () => {
    const policy = topicPolicy(['*']);

    for (const topic of ['%RETRY%g', '%DLQ%g', '%LMQ%x', 'ns%orders', 'LocalCluster_REPLY_TOPIC', 'RMQ_SYS_TRACE_TOPIC', 'rmq_sys_anything', 'Rmq_Sys_X']) {
      expect(policy.refusal(topic)?.code).toBe('TOPIC_RESERVED');
    }
    expect(policy.refusal('orders')).toBeUndefined();
    // A prefix, whatever the case; not a part of the name.
    for (const topic of ['rmq_sys', 'rmq_sysX', 'my_rmq_sys_x']) expect(policy.refusal(topic)).toBeUndefined();
  });

  it('lets each * of a pattern stand for any run of characters but a line break', () => {
    const policy = topicPolicy(['a*b*c', '*-eu', 'x|*']);

    expect(['abc', 'aXbYc', 'abbc', 'abcbc', 'a-b-c', 'orders-eu', '-eu', 'x|', 'x|y'].map((t) => policy.refusal(t))).toEqual(Array(9).fill(undefined));
    expect(
      ['acb', 'ac', 'aXc', 'ab', 'bc', 'a\nbc', 'ab\rc', 'a\u2028bc', 'Abc', 'orders-us', 'orders-eu2', 'x', 'xy'].map((t) => policy.refusal(t)?.code),
    ).toEqual(Array(13).fill('TOPIC_NOT_ALLOWED'));
  });

  it('never lets the parts of a pattern overlap in the topic', () => {
    const policy = topicPolicy(['ab*ba', 'c*d*d']);

    expect(['abba', 'abXba', 'cdd', 'cXdYd'].map((t) => policy.refusal(t))).toEqual(Array(4).fill(undefined));
    expect(['aba', 'cd', 'cXd'].map((t) => policy.refusal(t)?.code)).toEqual(Array(3).fill('TOPIC_NOT_ALLOWED'));
  });

  it('takes a named topic (TARGET_TOPIC) literally, never as a pattern', () => {
    const policy = topicPolicy([], ['T*']);

    expect(policy.refusal('T*')).toBeUndefined();
    expect(policy.refusal('Tx')?.code).toBe('TOPIC_NOT_ALLOWED');
  });

  it('says which entry of ALLOWED_TOPICS is not a name or pattern', () => {
    expect(allowlistProblem(['orders', 'audit?'])).toMatch(/"audit\?"/);
    expect(allowlistProblem(['orders', 'a*b'])).toBeUndefined();
  });
});
