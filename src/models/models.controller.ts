import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';

import { ErrorDto } from '../common/error.dto';
import { DatabaseOptional } from '../database/database-available.guard';
import { ModelListDto, ModelObjectDto } from './dto/model-object.dto';
import { ModelCatalog } from './model-catalog.service';

@ApiTags('models')
@ApiBearerAuth()
@DatabaseOptional()
@Controller('v1/models')
export class ModelsController {
  constructor(private readonly catalog: ModelCatalog) {}

  @Get()
  @ApiOperation({ summary: 'List the models', description: "MODELS_FILE's exact names, and what the backends behind its globs and the fallback list." })
  @ApiOkResponse({ type: ModelListDto })
  async list() {
    return { object: 'list' as const, data: await this.catalog.list() };
  }

  // Model names may hold slashes (`org/model`): the SDKs encode them, other clients may not.
  @Get('*model')
  @ApiOperation({ summary: 'Retrieve a model' })
  @ApiParam({ name: 'model', type: String, example: 'stub-model' })
  @ApiOkResponse({ type: ModelObjectDto })
  @ApiResponse({ status: 404, type: ErrorDto, description: 'model_not_found' })
  retrieve(@Param('model') model: string | string[]) {
    return this.catalog.retrieve(Array.isArray(model) ? model.join('/') : model);
  }
}
