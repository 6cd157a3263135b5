import { Module } from '@nestjs/common';

import { AppConfig } from '../config/app-config';
import { FairAdmission } from './fair-admission';

/** The one line every request of this process (HTTP or WebSocket) waits in during a burst (see fair-admission.ts). */
@Module({
  providers: [{ provide: FairAdmission, useFactory: (config: AppConfig) => new FairAdmission(config.ADMISSION_SLICE_MS), inject: [AppConfig] }],
  exports: [FairAdmission],
})
export class AdmissionModule {}
