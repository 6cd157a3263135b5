import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

/** The body of POST /admin/keys. */
export class CreateApiKeyDto {
  @ApiProperty({ description: "The tenant the key belongs to (its objects, limits, usage and webhooks are that tenant's).", example: 'team-a' })
  @IsString()
  @Matches(/^[\w.-]{1,64}$/, { message: "'tenant' must be 1-64 letters, digits, '.', '_' or '-'." })
  tenant: string;

  @ApiPropertyOptional({ description: 'A name to tell keys apart.', example: 'ci' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ description: "Requests per minute this key's tenant may make with it (else RATE_LIMIT_RPM)." })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(2 ** 31 - 1)
  rpm?: number;

  @ApiPropertyOptional({ description: 'Tokens per minute (else RATE_LIMIT_TPM).' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(2 ** 31 - 1)
  tpm?: number;
}

export class ListApiKeysQuery {
  @ApiPropertyOptional({ description: "Only this tenant's keys." })
  @IsOptional()
  @IsString()
  tenant?: string;
}

/** An API key (documentation of what the admin API returns). */
export class ApiKeyDto {
  @ApiProperty({ example: 'key_…' }) id: string;
  @ApiProperty({ enum: ['api_key'] }) object: 'api_key';
  @ApiProperty() tenant: string;
  @ApiProperty({ nullable: true, type: String }) name: string | null;
  @ApiProperty({ nullable: true, type: Number }) rpm: number | null;
  @ApiProperty({ nullable: true, type: Number }) tpm: number | null;
  @ApiProperty({ description: 'Unix seconds' }) created_at: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Unix seconds' }) revoked_at: number | null;
  @ApiPropertyOptional({ description: 'The key itself (sk-rs-…): only when it is made, never again.' }) key?: string;
}
