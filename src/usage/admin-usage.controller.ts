import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces } from '@nestjs/swagger';
import type { Response } from 'express';

import { AdminApi } from '../auth/admin-api.decorator';
import { UsageQuery } from './dto/usage-query.dto';
import { usageCsv, UsageService } from './usage.service';

const DAY_MS = 86_400_000;

/** Usage per tenant, key, model and day, for the operator (ADMIN_API_KEY). */
@AdminApi()
@Controller('admin/usage')
export class AdminUsageController {
  constructor(private readonly usage: UsageService) {}

  @Get()
  @ApiOperation({ summary: 'Usage: requests and tokens (input, output, cached, reasoning), summed by tenant, key, model and/or day' })
  @ApiProduces('application/json', 'text/csv')
  async report(@Query() query: UsageQuery, @Res() res: Response): Promise<void> {
    const to = query.to ?? new Date().toISOString().slice(0, 10);
    const from = query.from ?? new Date(Date.parse(to) - 30 * DAY_MS).toISOString().slice(0, 10);
    const groupBy = query.group_by ?? [];
    const rows = await this.usage.report({ from, to, groupBy, tenant: query.tenant });
    if (query.format === 'csv') {
      res.type('text/csv').attachment(`usage-${from}-${to}.csv`).send(usageCsv(rows, groupBy));
      return;
    }
    res.json({ object: 'list', from, to, group_by: groupBy, data: rows });
  }
}
