import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString } from 'class-validator';

import { CheckedBy, type CheckResult } from '../../common/validation';
import { USAGE_GROUPS, type UsageGroup } from '../usage.repository';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A day of the calendar (UTC) as YYYY-MM-DD: one that exists (not 2026-13-45), within what Postgres dates hold. */
function checkDay(value: unknown, param: string): CheckResult<string> {
  if (typeof value === 'string' && DAY.test(value)) {
    const time = Date.parse(`${value}T00:00:00Z`);
    if (Number.isFinite(time) && new Date(time).toISOString().slice(0, 10) === value) return { value };
  }
  return { param, message: `'${param}' must be a day that exists, as YYYY-MM-DD.` };
}

/** `group_by`: comma-separated (or repeated) tenant, key, model, day. */
function checkGroupBy(value: unknown, param: string): CheckResult<UsageGroup[]> {
  const groups = (Array.isArray(value) ? value : [value])
    .flatMap((entry) => (typeof entry === 'string' ? entry.split(',') : [entry]))
    .filter((entry) => entry !== '');
  if (groups.every((group): group is UsageGroup => (USAGE_GROUPS as readonly unknown[]).includes(group))) return { value: [...new Set(groups)] };
  return { param, message: `'${param}' takes tenant, key, model and day, comma-separated.` };
}

/** The query of GET /admin/usage. */
export class UsageQuery {
  @ApiPropertyOptional({ description: 'First day (UTC, YYYY-MM-DD), inclusive; default: 30 days before `to`.', example: '2026-11-01' })
  @IsOptional()
  @CheckedBy(checkDay)
  from?: string;

  @ApiPropertyOptional({ description: 'Last day (UTC, YYYY-MM-DD), inclusive; default: today.', example: '2026-11-30' })
  @IsOptional()
  @CheckedBy(checkDay)
  to?: string;

  @ApiPropertyOptional({ description: 'What to sum by, comma-separated: tenant, key, model, day (none: one total).', example: 'tenant,model,day' })
  @IsOptional()
  @CheckedBy(checkGroupBy)
  group_by?: UsageGroup[];

  @ApiPropertyOptional({ description: "Only this tenant's usage." })
  @IsOptional()
  @IsString()
  tenant?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'], description: 'csv: the same rows as a CSV file.' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}
