import { Module } from '@nestjs/common';

import { AdminUsageController } from './admin-usage.controller';
import { UsageRepository } from './usage.repository';
import { UsageService } from './usage.service';

/** Usage per tenant, key, model and day (admin API: GET /admin/usage). */
@Module({ controllers: [AdminUsageController], providers: [UsageRepository, UsageService], exports: [UsageService] })
export class UsageModule {}
