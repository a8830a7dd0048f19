// How Bourse topic names map onto Kafka topics: "<prefix>.<topic>", so that
// several exchanges (and test runs) share one cluster with different
// prefixes. Kafka allows letters, digits, ".", "_" and "-" up to 249
// characters, and refuses two topics that differ only by "." against "_"
// (their metric names collide); the broker's refusal is passed on as is.

/** One or more tokens of letters, digits, "_" or "-", separated by dots. */
const DOTTED_RE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const TOPIC_CHARS_MAX = 249;

export const DEFAULT_PREFIX = "bourse";

function checkDotted(kind: string, name: string, max: number): void {
  if (name.length > max || !DOTTED_RE.test(name)) {
    throw new RangeError(
      `bad ${kind} ${JSON.stringify(name)}: use up to ${max} letters, digits, "_" or "-", in tokens separated by single dots`,
    );
  }
}

export function checkPrefix(prefix: string): string {
  checkDotted("Kafka prefix", prefix, 128);
  return prefix;
}

export function kafkaTopic(prefix: string, topic: string): string {
  checkDotted("topic name", topic, TOPIC_CHARS_MAX - prefix.length - 1);
  return `${prefix}.${topic}`;
}

/** Every Kafka topic of a prefix starts with this. */
export function topicPrefix(prefix: string): string {
  return `${prefix}.`;
}
