import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';

import { ErrorDto } from '../common/error.dto';
import { AdminGuard } from './admin.guard';
import { Public } from './tenant.guard';

/** A controller of the admin API: for the operator's ADMIN_API_KEY, never a tenant's key. */
export function AdminApi(): ClassDecorator {
  return applyDecorators(
    ApiTags('admin'),
    ApiBearerAuth(),
    ApiResponse({ status: 401, type: ErrorDto, description: 'Not the admin key' }),
    ApiResponse({ status: 403, type: ErrorDto, description: 'The admin API is off (no ADMIN_API_KEY)' }),
    // Not a tenant's route (the tenant guard lets it through); the admin guard decides.
    Public(),
    UseGuards(AdminGuard),
  );
}
