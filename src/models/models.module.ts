import { Module } from '@nestjs/common';
import { ModelRegistry } from './model-registry.service';

/** Model backends, chosen per model name. */
@Module({ providers: [ModelRegistry], exports: [ModelRegistry] })
export class ModelsModule {}
