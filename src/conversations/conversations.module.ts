import { Module } from '@nestjs/common';

import { ConversationsController } from './conversations.controller';
import { ConversationsRepository } from './conversations.repository';
import { ConversationsService } from './conversations.service';

/** The Conversations API: a tenant's lists of items that responses read and append to. */
@Module({ controllers: [ConversationsController], providers: [ConversationsRepository, ConversationsService], exports: [ConversationsService] })
export class ConversationsModule {}
