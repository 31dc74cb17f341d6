// Java String.hashCode (s[0]*31^(n-1) + ... over UTF-16 code units, int32 arithmetic), and the
// queue SelectMessageQueueByHash picks with it, so a sharding key lands on the queue a Java
// producer would pick for the same key.

export function javaStringHash(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}

/** `hashCode() % size`, made non-negative with Math.abs, as SelectMessageQueueByHash does. */
export function hashQueueIndex(key: string, size: number): number {
  const value = javaStringHash(key) % size; // JS % keeps the dividend's sign, as Java's does
  return Math.abs(value);
}
