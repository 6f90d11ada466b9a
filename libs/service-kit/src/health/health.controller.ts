import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '@budget-erp/auth';
import { HealthService } from './health.service';

interface StatusResponse {
  status(code: number): { json(body: unknown): void };
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('live')
  @HttpCode(200)
  @ApiOperation({ summary: 'The process is up' })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Database, broker and service checks pass (503 lists the failing ones)' })
  async ready(@Res() res: StatusResponse): Promise<void> {
    const { ready, checks } = await this.health.readiness();
    if (ready) {
      res.status(200).json({ status: 'ok', checks });
      return;
    }
    const failing = Object.entries(checks).filter(([, outcome]) => outcome.status === 'down');
    res.status(503).json({
      statusCode: 503,
      error: 'Service Unavailable',
      message: `Not ready: ${failing.map(([name]) => name).join(', ')}`,
      details: failing.map(([name, outcome]) => ({ path: name, message: outcome.error ?? 'down' })),
      status: 'error',
      checks,
    });
  }
}
