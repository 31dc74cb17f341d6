// One line saying how long a start took and where the time went, printed by the test run and by
// `npm start`, so a slow start can be pinned on jars, a service or topic creation at a glance.

/** Parts of a start in the order they happen; a part that did not run is left out. */
const PARTS: [key: string, label: string][] = [
  ['jars', 'jars'],
  ['nameServer', 'name server'],
  ['brokers', 'brokers'],
  ['acl', 'ACL users'],
  ['topics', 'topics'],
  ['proxy', 'proxy'],
  ['dynamodb', 'DynamoDB Local'],
  ['dynalite', 'dynalite'],
];

/** `1.2 s` */
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** `24.5 s (jars 0.0 s, name server 5.1 s, ...)` from the per-part times in ms and their `total`. */
export function startupSummary(startup: Record<string, number>): string {
  const parts = PARTS.filter(([key]) => startup[key] !== undefined).map(([key, label]) => `${label} ${seconds(startup[key]!)}`);
  return `${seconds(startup.total ?? 0)} (${parts.join(', ')})`;
}
