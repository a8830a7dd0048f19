// How Bourse names map onto NATS: topics become subjects and streams, consumer
// names become durable names, RPC subjects move under the prefix. JetStream
// names may not contain ".", so dots become "_"; that mapping is not one to
// one, so every stream and consumer also records the name it was made for
// (subject, description) and a mismatch is refused rather than shared.

/** One or more tokens of letters, digits, "_" or "-", separated by dots. */
const DOTTED_RE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const NAME_CHARS_MAX = 128;

export const DEFAULT_PREFIX = "bourse";

export interface TopicNames {
  topic: string;
  /** The one subject the topic's stream holds. */
  subject: string;
  stream: string;
}

function checkDotted(kind: string, name: string): void {
  if (name.length > NAME_CHARS_MAX || !DOTTED_RE.test(name)) {
    throw new RangeError(
      `bad ${kind} ${JSON.stringify(name)}: use up to ${NAME_CHARS_MAX} letters, digits, "_" or "-", in tokens separated by single dots`,
    );
  }
}

export function checkPrefix(prefix: string): string {
  checkDotted("prefix", prefix);
  return prefix;
}

export function topicNames(prefix: string, topic: string): TopicNames {
  checkDotted("topic name", topic);
  return {
    topic,
    subject: `${prefix}.log.${topic}`,
    stream: `${prefix}_${topic}`.replaceAll(".", "_"),
  };
}

/** The stream name every topic stream of a prefix starts with. */
export function streamNamePrefix(prefix: string): string {
  return `${prefix.replaceAll(".", "_")}_`;
}

export function durableName(name: string): string {
  checkDotted("consumer name", name);
  return name.replaceAll(".", "_");
}

export function streamDescription(topic: string): string {
  return `bourse topic ${topic}`;
}

export function consumerDescription(name: string): string {
  return `bourse consumer ${name}`;
}

/** Request/reply subjects live apart from the log's subjects. */
export function rpcSubject(prefix: string, subject: string): string {
  checkDotted("rpc subject", subject);
  return `${prefix}.rpc.${subject}`;
}
