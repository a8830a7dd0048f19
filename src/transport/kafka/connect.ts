// One call to join a Kafka cluster: the event log, checked to reach a broker
// before it is handed out, so a wrong address fails at start with its reason.

import { KafkaLog, type KafkaLogOptions } from "./log.ts";

export async function connectKafka(opts: KafkaLogOptions): Promise<KafkaLog> {
  const log = new KafkaLog(opts);
  try {
    await log.check();
  } catch (err) {
    await log.close();
    throw err;
  }
  return log;
}
