import { z } from 'zod';
import { CloudEventEnvelopeSchema } from './envelope';
import { allContracts, dlqTopic, DLQ_HEADERS, MAX_RECORD_BYTES } from './topics';

const KEY_DESCRIPTIONS: Record<string, string> = {
  budgetId: 'the budget id: every event of one budget keeps its order',
  'companyId/projectId': 'the company id and the project id (`<companyId>/<projectId>`): compacted, and project ids are unique per company only',
  companyId: 'the company id',
  'budgetId, else projectId': 'the budget id, or the project id for an initial import',
  'budgetId, else companyId': 'the budget id, or the company id for a notification not about one budget',
};

/** The Kafka headers of every event: CloudEvents 1.0 in binary content mode. */
function headersSchema(): Record<string, unknown> {
  const properties: Record<string, unknown> = { 'content-type': { type: 'string', const: 'application/json' } };
  const required: string[] = ['content-type'];
  for (const [name, schema] of Object.entries(CloudEventEnvelopeSchema.shape)) {
    properties[`ce_${name}`] = { type: 'string', ...(schema.description ? { description: schema.description } : {}) };
    if (!schema.safeParse(undefined).success) required.push(`ce_${name}`);
  }
  return { type: 'object', properties, required };
}

const messageName = (type: string): string => type.replace(/[^A-Za-z0-9]+/g, '_');

/**
 * An AsyncAPI 3.0 document of every topic the platform publishes (and its dead-letter topic): the
 * channel, the producing service, the record key, the CloudEvents headers and the payload's JSON
 * Schema, generated from the zod contracts so it can never drift from what the services send.
 */
export function asyncApiDocument(version = '2.0.0'): Record<string, unknown> {
  const headers = headersSchema();
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  for (const contract of allContracts()) {
    const name = messageName(contract.type);
    messages[name] = {
      name: contract.type,
      title: contract.type,
      summary: contract.schema.description ?? `Payload of ${contract.topic}`,
      contentType: 'application/json',
      headers,
      payload: z.toJSONSchema(contract.schema, { io: 'output', unrepresentable: 'any' }),
      bindings: {
        kafka: {
          key: { type: 'string', description: KEY_DESCRIPTIONS[contract.key] ?? contract.key },
          bindingVersion: '0.5.0',
        },
      },
      'x-producer': contract.producer,
      'x-schema-version': contract.version,
    };
    const channel = messageName(contract.topic);
    channels[channel] = {
      address: contract.topic,
      description: `Produced by the ${contract.producer} service; records up to ${MAX_RECORD_BYTES} bytes.`,
      messages: { [name]: { $ref: `#/components/messages/${name}` } },
    };
    channels[`${channel}_dlq`] = {
      address: dlqTopic(contract.topic),
      description: `Dead letters of ${contract.topic}: the original record and headers plus ${Object.values(DLQ_HEADERS).join(', ')}.`,
      messages: { [name]: { $ref: `#/components/messages/${name}` } },
    };
    operations[`${contract.producer.replace(/-/g, '_')}_sends_${channel}`] = {
      action: 'send',
      channel: { $ref: `#/channels/${channel}` },
      summary: `${contract.producer} publishes ${contract.type}`,
      messages: [{ $ref: `#/channels/${channel}/messages/${name}` }],
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Budget to ERP platform events',
      version,
      description:
        'Every Kafka topic of the platform. Events are CloudEvents 1.0 in binary mode (ce_* headers, JSON value). ' +
        'Deduplicate on ce_id; order is kept per record key within a topic, never across topics. ' +
        'A send is budget.sent (a summary) plus its budget.sent.lines chunks: act on it once every chunk is held and the lines match linesDigest.',
    },
    defaultContentType: 'application/json',
    servers: {
      production: { host: 'kafka:9092', protocol: 'kafka', description: 'Apache Kafka (KAFKA_BROKERS)' },
      development: { host: '127.0.0.1:9092', protocol: 'kafka', description: 'The dev broker started by npm start' },
    },
    channels,
    operations,
    components: { messages },
  };
}
