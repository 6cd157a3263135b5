import { Module } from '@nestjs/common';

import { newProcessId, PROCESS_ID } from './process-id';
import { ProcessLiveness } from './process-liveness';
import { ProcessesRepository } from './processes.repository';

/** Which server processes are alive: each heartbeats its row; the others judge from it. */
@Module({
  providers: [{ provide: PROCESS_ID, useFactory: newProcessId }, ProcessesRepository, ProcessLiveness],
  exports: [PROCESS_ID, ProcessLiveness],
})
export class LivenessModule {}
