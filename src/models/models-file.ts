import { readFileSync } from 'node:fs';

import { plainToInstance, Type } from 'class-transformer';
import { ArrayNotEmpty, IsArray, IsIn, IsInt, IsOptional, IsString, IsUrl, Min, ValidateIf, ValidateNested, validateSync } from 'class-validator';

export class ModelRoute {
  /** An exact model name, or a glob such as `gpt-4o*` or `llama-*`. */
  @IsString()
  name: string;

  /** `openai`: an OpenAI-compatible server at base_url; `embedded`: a GGUF model run in this process. */
  @IsOptional()
  @IsIn(['openai', 'embedded'])
  type: 'openai' | 'embedded' = 'openai';

  @ValidateIf((route: ModelRoute) => route.type !== 'embedded')
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  base_url: string;

  /** For `embedded`: a local .gguf file, an `hf:<user>/<repo>:<quant>` URI or a URL. */
  @ValidateIf((route: ModelRoute) => route.type === 'embedded')
  @IsString()
  model_path?: string;

  @IsOptional()
  @IsString()
  api_key?: string;

  /** Name of an environment variable holding the API key, so that the file can be committed. */
  @IsOptional()
  @IsString()
  api_key_env?: string;

  /** The name the backend knows the model by, when clients use another. */
  @IsOptional()
  @IsString()
  upstream_model?: string;

  @IsOptional()
  @IsInt()
  @Min(100)
  timeout_ms?: number;
}

export class ModelsFile {
  @IsArray()
  @ArrayNotEmpty()
  @ValidateNested({ each: true })
  @Type(() => ModelRoute)
  models: ModelRoute[];
}

/** Reads and validates MODELS_FILE; a bad file stops start-up with a message naming the file and the field. */
export function readModelsFile(path: string): ModelsFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`MODELS_FILE=${path}: ${(error as Error).message}`, { cause: error });
  }
  const file = plainToInstance(ModelsFile, raw);
  const errors = validateSync(file, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    const describe = (error: (typeof errors)[number], prefix: string): string[] => [
      ...Object.values(error.constraints ?? {}).map((message) => `${prefix}${error.property}: ${message}`),
      ...(error.children ?? []).flatMap((child) => describe(child, `${prefix}${error.property}.`)),
    ];
    throw new Error(`MODELS_FILE=${path} is invalid:\n  ${errors.flatMap((e) => describe(e, '')).join('\n  ')}`);
  }
  for (const route of file.models) {
    if (route.api_key_env && process.env[route.api_key_env] === undefined) {
      throw new Error(`MODELS_FILE=${path}: model '${route.name}' reads its key from ${route.api_key_env}, which is not set`);
    }
  }
  return file;
}
