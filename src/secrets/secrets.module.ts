import { Module } from '@nestjs/common';

import { ContentSealer } from './content-sealer';
import { ServerSecretsRepository } from './server-secrets.repository';

/** Secrets the server keeps for itself: the key that seals content handed to clients. */
@Module({ providers: [ServerSecretsRepository, ContentSealer], exports: [ContentSealer] })
export class SecretsModule {}
