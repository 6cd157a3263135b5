import { ApiProperty } from '@nestjs/swagger';

/** Swagger schema of every error body. */
export class ErrorDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: {
      message: "Invalid value for 'temperature': temperature must not be greater than 2.",
      type: 'invalid_request_error',
      param: 'temperature',
      code: 'invalid_value',
    },
  })
  error: { message: string; type: string; param: string | null; code: string | null };
}
