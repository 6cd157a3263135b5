import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A server process, alive while it heartbeats (see the ProcessLiveness migration). */
@Entity({ name: 'processes' })
export class ProcessEntity {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ name: 'started_at', type: 'timestamptz', default: () => 'now()' })
  startedAt: Date;

  @Column({ name: 'heartbeat_at', type: 'timestamptz', default: () => 'now()' })
  heartbeatAt: Date;
}
