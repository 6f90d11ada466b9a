import { Inject, Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsService } from '@budget-erp/service-kit';

/** Prometheus counters of email delivery, on the service's registry. */
@Injectable()
export class DeliveryMetrics {
  private readonly sent: Counter<'kind'>;
  private readonly failed: Counter<'outcome'>;

  constructor(@Inject(MetricsService) metrics: MetricsService) {
    this.sent = new Counter({
      name: 'notification_emails_sent_total',
      help: 'Emails accepted by the SMTP server, by notification kind',
      labelNames: ['kind'],
      registers: [metrics.registry],
    });
    this.failed = new Counter({
      name: 'notification_email_failures_total',
      help: 'Failed email attempts: retried later or abandoned',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
  }

  emailSent(kind: string): void {
    this.sent.inc({ kind });
  }

  emailFailed(outcome: 'retry' | 'abandon'): void {
    this.failed.inc({ outcome });
  }
}
