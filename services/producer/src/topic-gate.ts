import type { StreamClient, TopicInfo } from '@redstream/stream-client';
import { type ProducerConfig, startTopics } from './config.js';
import { IngestError } from './ingest-error.js';

/**
 * Which topics the gateway writes: with TOPICS, exactly those (created or checked at start);
 * without, any topic that exists, or any valid name at all under AUTO_CREATE_TOPICS (created
 * on its first write with DEFAULT_PARTITIONS).
 */
export class TopicGate {
  readonly #allowed: ReadonlySet<string> | undefined;

  constructor(
    private readonly config: ProducerConfig,
    private readonly client: StreamClient,
  ) {
    this.#allowed = config.topics && new Set(config.topics.map((spec) => spec.name));
  }

  /** Creates the configured topics, or checks their partition counts (a mismatch throws). */
  async createAtStart(): Promise<void> {
    for (const spec of startTopics(this.config))
      await this.client.ensureTopic(spec.name, { partitions: spec.partitions });
  }

  /** The topic to write, or an IngestError (404 outside the allow-list or when missing). */
  async resolve(topic: string): Promise<TopicInfo> {
    if (this.#allowed && !this.#allowed.has(topic))
      throw new IngestError(
        404,
        'unknown-topic',
        `topic ${JSON.stringify(topic)} is not served here (TOPICS: ${[...this.#allowed].join(', ')})`,
      );
    if (this.config.autoCreateTopics) {
      const known = await this.client.topics.getTopic(topic);
      if (known) return known;
      return this.client.ensureTopic(topic, { partitions: this.config.defaultPartitions });
    }
    return this.client.topics.requireTopic(topic);
  }
}
