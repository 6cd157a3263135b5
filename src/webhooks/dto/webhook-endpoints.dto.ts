import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUrl, Matches } from 'class-validator';

/** The body of POST /admin/webhooks. */
export class CreateWebhookEndpointDto {
  @ApiProperty({
    description: "The tenant whose background responses' webhooks go to this endpoint (as in API_KEYS; `default` without keys).",
    example: 'team-a',
  })
  @IsString()
  @Matches(/^[\w.-]{1,64}$/, { message: "'tenant' must be 1-64 letters, digits, '.', '_' or '-'." })
  tenant: string;

  @ApiProperty({ description: 'Where the events are POSTed.', example: 'https://hooks.team-a.example/openai' })
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: "'url' must be an http(s) URL." })
  url: string;

  @ApiPropertyOptional({ description: 'The signing secret (whsec_<base64>); generated when absent. Shown once, in this answer.' })
  @IsOptional()
  @Matches(/^whsec_[A-Za-z0-9+/]{16,}={0,2}$/, { message: "'secret' must look like whsec_<base64 of at least 12 bytes>." })
  secret?: string;
}

export class ListWebhookEndpointsQuery {
  @ApiPropertyOptional({ description: "Only this tenant's endpoints." })
  @IsOptional()
  @IsString()
  tenant?: string;
}

/** A webhook endpoint (documentation of what the admin API returns). */
export class WebhookEndpointDto {
  @ApiProperty({ example: 'wh_…' }) id: string;
  @ApiProperty({ enum: ['webhook_endpoint'] }) object: 'webhook_endpoint';
  @ApiProperty() tenant: string;
  @ApiProperty() url: string;
  @ApiProperty({ description: 'Unix seconds' }) created_at: number;
  @ApiPropertyOptional({ description: 'Only when created.' }) secret?: string;
}
