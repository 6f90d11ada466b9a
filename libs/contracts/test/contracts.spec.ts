import {
  AllTopics,
  AmountSchema,
  BudgetSentLinesV1,
  contractFor,
  messageKeyOf,
  contractForType,
  dlqTopic,
  fromKafkaHeaders,
  Topics,
  toKafkaHeaders,
} from '../src';

describe('topic contracts', () => {
  it('names every topic of the published contract table', () => {
    expect(AllTopics).toEqual(
      expect.arrayContaining([
        'budget.locked', 'budget.unlocked', 'budget.sent', 'budget.sent.lines', 'budget.retrieved', 'budget.accepted',
        'budget.rejected', 'export.succeeded', 'export.failed', 'erp.posted', 'erp.project.linked',
        'budget.import.requested', 'erp.budget.imported', 'erp.budget.import.failed', 'notification.sent',
      ]),
    );
  });

  it('versions every type name and resolves it back to its contract', () => {
    for (const topic of AllTopics) {
      const contract = contractFor(topic);
      expect(contract.type).toMatch(new RegExp(`^${topic.replace(/\./g, '\\.')}\\.v\\d+$`));
      expect(contractForType(contract.type)?.topic).toBe(topic);
    }
  });

  it.each([['budget.sent.v9'], ['budget.sent'], ['nothing.v1'], ['']])('when the type is %p, finds no contract', (type) => {
    expect(contractForType(type)).toBeUndefined();
  });

  it('names the dead-letter topic after its topic', () => {
    expect(dlqTopic(Topics.ExportFailed)).toBe('export.failed.dlq');
  });
});

describe('AmountSchema', () => {
  it.each([['0'], ['12'], ['12.5'], ['12.50'], ['-3.25'], ['999999999999999.99']])('accepts %p', (value) => {
    expect(AmountSchema.safeParse(value).success).toBe(true);
  });

  it.each([['1e3'], ['12.345'], ['-0'], ['abc'], [''], ['01'], ['1,000.00'], [' 1'], ['.5']])('rejects %p', (value) => {
    expect(AmountSchema.safeParse(value).success).toBe(false);
  });

  it('rejects numbers: money never travels as a float', () => {
    expect(AmountSchema.safeParse(12.5).success).toBe(false);
  });
});

describe('CloudEvents envelope in Kafka headers', () => {
  const envelope = {
    id: 'e1',
    source: '/budget',
    type: 'budget.sent.v1',
    specversion: '1.0' as const,
    time: '2026-11-23T20:00:00.000Z',
    subject: 'b1',
    companyid: 'c1',
    correlationid: 'corr-1',
    causationid: 'req-1',
  };

  it('round-trips through binary-mode headers, as Buffers like kafkajs delivers them', () => {
    const headers = toKafkaHeaders(envelope);
    expect(headers).toMatchObject({ ce_id: 'e1', ce_type: 'budget.sent.v1', ce_subject: 'b1', 'content-type': 'application/json' });
    const asBuffers = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)]));
    expect(fromKafkaHeaders(asBuffers)).toEqual({ ok: true, envelope });
  });

  it('when attributes are missing, names each of them', () => {
    const result = fromKafkaHeaders({ ce_id: 'e1', ce_type: 'budget.sent.v1' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      for (const name of ['ce_source', 'ce_specversion', 'ce_time', 'ce_subject', 'ce_companyid', 'ce_correlationid']) {
        expect(result.problem).toContain(name);
      }
    }
  });

  it('when the content type is not JSON, refuses the message', () => {
    const result = fromKafkaHeaders({ ...toKafkaHeaders(envelope), 'content-type': 'application/avro' });
    expect(result).toEqual({ ok: false, problem: 'unsupported content-type application/avro' });
  });
});

describe('budget.sent.lines payload', () => {
  it('when a line amount is a float-like string, fails naming the path', () => {
    const result = BudgetSentLinesV1.safeParse({
      budgetId: 'b1', projectId: 'p1', companyId: 'c1', exportId: 'x1', chunk: 0, chunkCount: 1,
      lines: [{ lineId: 'l1', costCode: '01-100', costType: null, subJob: null, description: null, amount: '1e3', syncedAmount: null }],
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['lines.0.amount']);
  });
});

describe('Kafka keys', () => {
  it('keys a budget event by its subject, and a compacted topic\'s event by company and subject, so two companies\' records of one project id never replace each other', () => {
    expect(messageKeyOf('budget.sent', 'b-1', 'co-a')).toBe('b-1');
    expect(messageKeyOf('erp.project.linked', 'p-1', 'co-a')).toBe('co-a/p-1');
    expect(messageKeyOf('erp.project.linked', 'p-1', 'co-b')).toBe('co-b/p-1');
    expect(messageKeyOf('erp.connection.updated', 'co-a', 'co-a')).toBe('co-a');
  });
});
