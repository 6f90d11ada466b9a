import { register } from 'prom-client';
import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '@budget-erp/auth';
import { MetricsService } from './metrics.service';

@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    // Libraries (messaging) record into the default registry; the service's own metrics live in its registry.
    const [own, shared] = await Promise.all([this.metrics.registry.metrics(), register.metrics()]);
    return shared ? `${own}\n${shared}` : own;
  }
}
