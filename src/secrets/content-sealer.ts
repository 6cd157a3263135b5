import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import { Injectable, type OnModuleInit } from '@nestjs/common';

import { AppConfig } from '../config/app-config';
import { ServerSecretsRepository } from './server-secrets.repository';

const VERSION = 'rs1.';

/** What a reasoning item's content is sealed for (`include: ["reasoning.encrypted_content"]`). */
export const REASONING_PURPOSE = 'reasoning';
/** A background job's MCP credentials (jobs.sealed_credentials). */
export const MCP_CREDENTIALS_PURPOSE = 'mcp-credentials';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals what the server hands a client to send back later (a compaction item's summary): AES-256-GCM under the key
 * CONTENT_ENCRYPTION_KEY, or one generated once and kept in Postgres for every replica. What is sealed is bound to
 * its tenant and its purpose: another tenant's item, an altered one or another service's does not open.
 */
@Injectable()
export class ContentSealer implements OnModuleInit {
  private key?: Buffer;

  constructor(
    private readonly config: AppConfig,
    private readonly secrets: ServerSecretsRepository,
  ) {}

  async onModuleInit(): Promise<void> {
    this.key = this.config.CONTENT_ENCRYPTION_KEY
      ? Buffer.from(this.config.CONTENT_ENCRYPTION_KEY, 'base64')
      : await this.secrets.getOrCreate('content_encryption_key', randomBytes(32));
  }

  seal(tenantId: string, purpose: string, plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.requireKey(), iv);
    cipher.setAAD(Buffer.from(`${purpose}\n${tenantId}`));
    const sealed = Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return VERSION + sealed.toString('base64');
  }

  /** The plaintext, or null for anything this server did not seal for this tenant and purpose. */
  open(tenantId: string, purpose: string, sealed: unknown): string | null {
    if (typeof sealed !== 'string' || !sealed.startsWith(VERSION)) return null;
    const bytes = Buffer.from(sealed.slice(VERSION.length), 'base64');
    if (bytes.length < IV_BYTES + TAG_BYTES) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.requireKey(), bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(`${purpose}\n${tenantId}`));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }

  private requireKey(): Buffer {
    if (!this.key) throw new Error('ContentSealer used before its key was loaded');
    return this.key;
  }
}
