import { Module } from '@nestjs/common';

import { LivenessModule } from '../../liveness/liveness.module';
import { ResponsesRepository } from './responses.repository';

/**
 * The responses table and its input items (rows name the process running them, hence liveness). Exported to the other parts of the Responses API only (runs, background,
 * the surface): modules of other features reach responses through `ResponsesService`.
 */
@Module({ imports: [LivenessModule], providers: [ResponsesRepository], exports: [ResponsesRepository] })
export class ResponseStoreModule {}
