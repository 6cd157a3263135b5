import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Usage per tenant, key, model and day (see the UsageDaily migration). */
@Entity({ name: 'usage_daily' })
@Index('usage_daily_day_idx', ['day'])
export class UsageDailyEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' })
  tenantId: string;

  /** A managed key's id, or '' (API_KEYS, or no authentication). */
  @PrimaryColumn({ name: 'key_id', type: 'text', default: '' })
  keyId: string;

  @PrimaryColumn({ type: 'text' })
  model: string;

  @PrimaryColumn({ type: 'date' })
  day: string;

  @Column({ type: 'bigint', default: 0 })
  requests: string;

  @Column({ name: 'input_tokens', type: 'bigint', default: 0 })
  inputTokens: string;

  @Column({ name: 'output_tokens', type: 'bigint', default: 0 })
  outputTokens: string;

  @Column({ name: 'cached_tokens', type: 'bigint', default: 0 })
  cachedTokens: string;

  @Column({ name: 'reasoning_tokens', type: 'bigint', default: 0 })
  reasoningTokens: string;
}
