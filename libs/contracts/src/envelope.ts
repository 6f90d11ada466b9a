import { z } from 'zod';

/**
 * CloudEvents 1.0 attributes carried in Kafka headers (binary content mode), plus the platform's
 * extensions: company, correlation (the whole export) and causation (the event that caused this one).
 */
export const CloudEventEnvelopeSchema = z.object({
  /** Unique event id (uuid); consumers deduplicate on it. */
  id: z.string().min(1),
  /** Producing service, e.g. `/budget`. */
  source: z.string().min(1),
  /** Versioned type, e.g. `budget.sent.v1`. */
  type: z.string().min(1),
  /** Always `1.0`. */
  specversion: z.literal('1.0'),
  /** When the event happened (ISO-8601). */
  time: z.string().min(1),
  /** The budget id (or project/company id for events not about one budget). */
  subject: z.string().min(1),
  /** The owning company. */
  companyid: z.string().min(1),
  /** Correlation id of the whole flow (e.g. one export). */
  correlationid: z.string().min(1),
  /** Id of the event (or request) that caused this one. */
  causationid: z.string().min(1).optional(),
});
export type CloudEventEnvelope = z.infer<typeof CloudEventEnvelopeSchema>;

export const CONTENT_TYPE_JSON = 'application/json';

const headerName = (attribute: keyof CloudEventEnvelope): string => `ce_${attribute}`;

/** Kafka headers for an envelope (binary mode). */
export function toKafkaHeaders(envelope: CloudEventEnvelope): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': CONTENT_TYPE_JSON };
  for (const [key, value] of Object.entries(envelope)) {
    if (value !== undefined) headers[headerName(key as keyof CloudEventEnvelope)] = String(value);
  }
  return headers;
}

export type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

export type EnvelopeResult =
  | { ok: true; envelope: CloudEventEnvelope }
  | { ok: false; problem: string };

/** Reads an envelope back from Kafka headers; names every missing or bad attribute. */
export function fromKafkaHeaders(headers: Record<string, HeaderValue> | undefined): EnvelopeResult {
  const text = (value: HeaderValue): string | undefined => {
    if (value === undefined) return undefined;
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined ? undefined : first.toString();
  };
  const raw: Record<string, string | undefined> = {};
  for (const key of Object.keys(CloudEventEnvelopeSchema.shape)) {
    raw[key] = text(headers?.[headerName(key as keyof CloudEventEnvelope)]);
  }
  const parsed = CloudEventEnvelopeSchema.safeParse(raw);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => `ce_${issue.path.join('.')}: ${issue.message}`);
    return { ok: false, problem: `invalid CloudEvents headers (${fields.join('; ')})` };
  }
  const contentType = text(headers?.['content-type']);
  if (contentType !== undefined && !contentType.startsWith(CONTENT_TYPE_JSON)) {
    return { ok: false, problem: `unsupported content-type ${contentType}` };
  }
  return { ok: true, envelope: parsed.data };
}
