import { type ArgumentMetadata, type ValidationError, ValidationPipe } from '@nestjs/common';
import type { TransformerPackage } from '@nestjs/common/interfaces/external/transformer-package.interface';
import type { MetadataStorage } from 'class-transformer/types/MetadataStorage';
import { registerDecorator, type ValidationArguments } from 'class-validator';

import { ApiError } from './api-error';
import { checkJsonShape } from './json-shape';
import { cacheValidationMetadata } from './validation-metadata-cache';

/** What a structural check finds: the normalized value, or the exact param path and message of the first problem. */
export type CheckResult<T> = { value: T } | { param: string; message: string };

const TYPE_CONSTRAINTS = new Set(['isString', 'isNumber', 'isInt', 'isBoolean', 'isArray', 'isObject', 'nestedValidation']);

const details = new WeakMap<object, Map<string, { param: string; message: string }>>();

/**
 * Validates (and normalizes) a polymorphic field with a plain function. class-validator cannot say which element
 * of a union array is wrong; this keeps the exact path (`input[2].content[0].text`) for the error's `param`.
 */
export function CheckedBy<T>(check: (value: unknown, param: string) => CheckResult<T>): PropertyDecorator {
  return (target, propertyKey) => {
    registerDecorator({
      name: 'checkedBy',
      target: target.constructor,
      propertyName: String(propertyKey),
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          if (value === undefined || value === null) return true;
          const result = check(value, args.property);
          const object = args.object as Record<string, unknown>;
          if ('value' in result) {
            object[args.property] = result.value;
            return true;
          }
          const byProperty = details.get(object) ?? new Map();
          byProperty.set(args.property, result);
          details.set(object, byProperty);
          return false;
        },
        defaultMessage(args: ValidationArguments) {
          return details.get(args.object)?.get(args.property)?.message ?? `Invalid '${args.property}'.`;
        },
      },
    });
  };
}

/** The first validation problem, as OpenAI words it: the full param path, and `unknown_parameter` for extra fields. */
export function toValidationApiError(errors: ValidationError[], prefix = ''): ApiError {
  const error = errors[0];
  const param = `${prefix}${prefix && !/^\d+$/.test(error.property) ? '.' : ''}${/^\d+$/.test(error.property) ? `[${error.property}]` : error.property}`;
  if (error.children && error.children.length > 0 && !error.constraints) return toValidationApiError(error.children, param);
  const constraints = error.constraints ?? {};
  if (constraints.whitelistValidation) {
    return ApiError.badRequest(`Unknown parameter: '${param}'.`, param, 'unknown_parameter');
  }
  const detail = error.target ? details.get(error.target)?.get(error.property) : undefined;
  if (detail && constraints.checkedBy) {
    return ApiError.badRequest(detail.message, prefix ? `${prefix}.${detail.param}` : detail.param, 'invalid_value');
  }
  if (error.value === undefined || error.value === null) {
    return ApiError.badRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
  }
  // A wrong type is the root problem; range checks on a string are noise.
  const entries = Object.entries(constraints);
  const [name, message] = entries.find(([key]) => TYPE_CONSTRAINTS.has(key)) ?? entries[0] ?? ['invalid', `Invalid value for '${param}'.`];
  // One full stop, whether the constraint's message ends with its own or not.
  return ApiError.badRequest(
    `Invalid value for '${param}': ${message.replace(/\.$/, '')}.`,
    param,
    TYPE_CONSTRAINTS.has(name) ? 'invalid_type' : 'invalid_value',
  );
}

/**
 * The pipe every controller (and the WebSocket mode) uses: unknown fields are errors, types are converted only where
 * the DTO says so. Every value is first checked in one linear pass (nesting, keys per object, strings Postgres
 * cannot store); then it is made an instance of its DTO by `linearTransformer`, not class-transformer, whose
 * de-duplication of each object's keys is quadratic (200,000 metadata keys held a process for 27 s).
 */
export class ApiValidationPipe extends ValidationPipe {
  constructor() {
    cacheValidationMetadata();
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      transformerPackage: linearTransformer,
      validationError: { target: true, value: true },
      exceptionFactory: (errors) => toValidationApiError(errors),
    });
  }

  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const problem = checkJsonShape(value, metadata.type === 'body' ? '' : (metadata.data ?? ''));
    if (problem) throw ApiError.badRequest(problem.message, problem.param || null, problem.code);
    return super.transform(value, metadata);
  }
}

export function apiValidationPipe(): ApiValidationPipe {
  return new ApiValidationPipe();
}

// Where class-transformer keeps what `@Type` declares (the package exports no typed path to it).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as { defaultMetadataStorage: MetadataStorage };

type Constructor = new () => Record<string, unknown>;

/**
 * Builds a DTO instance from a plain value in time linear in its size: own keys are copied as they are, and only
 * the properties declared with `@Type` are built in turn (nested DTOs, numbers from query strings). Free-form values
 * (metadata, JSON Schemas, input items) are kept as parsed, for their own checks.
 */
const linearTransformer: TransformerPackage = {
  plainToInstance: (cls, plain) => toInstance(cls as unknown as Constructor, plain) as never,
  classToPlain: (object) => object as Record<string, unknown>,
};

function toInstance(cls: Constructor, plain: unknown): unknown {
  if (Array.isArray(plain)) return plain.map((element) => toInstance(cls, element));
  if (plain === null || plain === undefined) return plain;
  if ((cls as unknown) === Number) return Number(plain);
  if ((cls as unknown) === String) return String(plain);
  if ((cls as unknown) === Boolean) return Boolean(plain);
  if (typeof plain !== 'object') return plain;
  const instance = new cls();
  for (const key of Object.keys(plain)) {
    const value = (plain as Record<string, unknown>)[key];
    const type = defaultMetadataStorage.findTypeMetadata(cls, key);
    instance[key] = type ? toInstance(type.typeFunction() as Constructor, value) : value;
  }
  return instance;
}
