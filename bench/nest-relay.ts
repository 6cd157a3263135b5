/**
 * The floor of a gateway built on this server's stack: `nest-relay.ts <port> <upstream url>` is a NestJS application
 * on Express (the same adapter as responses-server, JSON body parser, global ValidationPipe with a class-validator
 * DTO) with one route that validates a Chat Completions request and forwards it to the upstream, copying the answer
 * back chunk by chunk. It translates nothing and stores nothing: what it costs over `bare-relay.ts` is the framework's
 * share, and what responses-server costs over it is ours.
 */
import 'reflect-metadata';

import { Body, Controller, HttpCode, Module, Post, Res, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IsArray, IsBoolean, IsOptional, IsString } from 'class-validator';
import { json, type Response } from 'express';

import { StableShapeExpressAdapter } from '../src/http/stable-shape-express-adapter';
import { copyThrough } from './copy-through';

const [port, upstreamUrl] = process.argv.slice(2);
const upstream = new URL('/v1/chat/completions', upstreamUrl);

class ChatCompletionRequest {
  @IsString() model!: string;
  @IsArray() messages!: unknown[];
  @IsOptional() @IsBoolean() stream?: boolean;
}

@Controller('v1/chat/completions')
class RelayController {
  @Post()
  @HttpCode(200)
  relay(@Body() body: ChatCompletionRequest, @Res() res: Response): void {
    copyThrough(upstream, JSON.stringify(body), res);
  }
}

@Module({ controllers: [RelayController] })
class RelayModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(RelayModule, new StableShapeExpressAdapter(), { bodyParser: false, logger: ['warn', 'error'] });
  app.use(json());
  app.useGlobalPipes(new ValidationPipe({ transform: true }));
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
  await app.listen(Number(port), '127.0.0.1');
  console.log(`ready on ${port}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
