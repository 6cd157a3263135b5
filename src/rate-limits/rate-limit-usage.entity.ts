import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A bucket's requests and tokens in one minute, summed over every replica (see the RateLimitUsage migration). */
@Entity({ name: 'rate_limit_usage' })
export class RateLimitUsageEntity {
  @PrimaryColumn({ type: 'text' })
  bucket: string;

  @PrimaryColumn({ type: 'bigint' })
  minute: string;

  @Column({ type: 'bigint', default: 0 })
  requests: string;

  @Column({ type: 'bigint', default: 0 })
  tokens: string;
}
