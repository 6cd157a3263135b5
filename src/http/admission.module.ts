import { Module } from '@nestjs/common';

import { AppConfig } from '../config/app-config';
import { ClientBuffers } from './client-buffers';
import { FairAdmission } from './fair-admission';

/** The per-caller share of the client buffers: a quarter, and never less than one body of the largest size. */
const CALLER_SHARE = 4;

/**
 * What every request of this process (HTTP or WebSocket) goes through before it runs: the one line it waits in during
 * a burst (see fair-admission.ts), and the bytes its body and its answer may hold for a slow client (see client-buffers.ts).
 */
@Module({
  providers: [
    { provide: FairAdmission, useFactory: (config: AppConfig) => new FairAdmission(config.ADMISSION_SLICE_MS), inject: [AppConfig] },
    {
      provide: ClientBuffers,
      useFactory: (config: AppConfig) =>
        new ClientBuffers(config.clientBufferLimitBytes, Math.max(config.bodyLimitBytes, Math.floor(config.clientBufferLimitBytes / CALLER_SHARE))),
      inject: [AppConfig],
    },
  ],
  exports: [FairAdmission, ClientBuffers],
})
export class AdmissionModule {}
