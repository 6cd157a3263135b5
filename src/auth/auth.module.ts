import { Global, Module } from '@nestjs/common';

import { AdminGuard } from './admin.guard';
import { AdminKeysController } from './admin-keys.controller';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeys } from './api-keys.service';

/** Who calls: tenants' API keys (API_KEYS and managed keys) and the operator's admin key. */
@Global()
@Module({
  controllers: [AdminKeysController],
  providers: [ApiKeysRepository, ApiKeys, AdminGuard],
  exports: [ApiKeys, AdminGuard],
})
export class AuthModule {}
