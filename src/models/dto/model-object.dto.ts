import { ApiProperty } from '@nestjs/swagger';

/** Swagger schemas of GET /v1/models (documentation only; the catalog builds plain objects). */

export class ModelObjectDto {
  @ApiProperty({ example: 'llama-3.1-8b-instruct', description: 'The name to pass as `model`' }) id: string;
  @ApiProperty({ enum: ['model'] }) object: 'model';
  @ApiProperty({ description: 'Unix seconds: as the backend dates the model, else when this server started serving it' }) created: number;
  @ApiProperty({ example: 'system', description: "The backend's owner, or `system`" }) owned_by: string;
}

export class ModelListDto {
  @ApiProperty({ enum: ['list'] }) object: 'list';
  @ApiProperty({ type: [ModelObjectDto] }) data: ModelObjectDto[];
}
