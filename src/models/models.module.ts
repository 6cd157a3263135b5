import { Module } from '@nestjs/common';

import { ModelCatalog } from './model-catalog.service';
import { ModelRegistry } from './model-registry.service';
import { ModelsController } from './models.controller';

/** Model backends, chosen per model name, and the list of names clients can use. */
@Module({ controllers: [ModelsController], providers: [ModelRegistry, ModelCatalog], exports: [ModelRegistry] })
export class ModelsModule {}
