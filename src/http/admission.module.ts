import { Module } from '@nestjs/common';

import { AppConfig } from '../config/app-config';
import { BodyBuffers } from './body-buffers';
import { FairAdmission } from './fair-admission';

/** The per-caller share of the body buffers: a quarter, and never less than one body of the largest size. */
const CALLER_SHARE = 4;

/**
 * What every request of this process (HTTP or WebSocket) goes through before it runs: the one line it waits in during
 * a burst (see fair-admission.ts), and the bytes its body may hold while it arrives (see body-buffers.ts).
 */
@Module({
  providers: [
    { provide: FairAdmission, useFactory: (config: AppConfig) => new FairAdmission(config.ADMISSION_SLICE_MS), inject: [AppConfig] },
    {
      provide: BodyBuffers,
      useFactory: (config: AppConfig) =>
        new BodyBuffers(config.bodyBufferLimitBytes, Math.max(config.bodyLimitBytes, Math.floor(config.bodyBufferLimitBytes / CALLER_SHARE))),
      inject: [AppConfig],
    },
  ],
  exports: [FairAdmission, BodyBuffers],
})
export class AdmissionModule {}
